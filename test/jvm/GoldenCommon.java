// Serializes requests, responses and message sets with Kafka's own Scala classes and prints
// "<case> <hex>" lines; test/integration/protocol-jvm-golden.test.ts encodes the same inputs with
// kafka08 and compares byte for byte. This file uses only constructors that exist with the same
// signature in 0.8.1.1 and 0.8.2.2; Golden081 / Golden082 add the version-specific cases.
//
// Ordering: Kafka keeps requests and responses in Scala maps and groups them by topic. Maps of up
// to four entries keep insertion order, so every case holds at most four partitions; the order
// of several topics is Scala's HashMap order, which the TS side must match.
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import kafka.api.FetchRequest;
import kafka.api.FetchResponse;
import kafka.api.FetchResponsePartitionData;
import kafka.api.FetchResponseSend;
import kafka.api.OffsetCommitResponse;
import kafka.api.OffsetFetchRequest;
import kafka.api.OffsetFetchResponse;
import kafka.api.OffsetRequest;
import kafka.api.OffsetResponse;
import kafka.api.PartitionFetchInfo;
import kafka.api.PartitionOffsetRequestInfo;
import kafka.api.PartitionOffsetsResponse;
import kafka.api.ProducerRequest;
import kafka.api.ProducerResponse;
import kafka.api.ProducerResponseStatus;
import kafka.api.RequestOrResponse;
import kafka.api.TopicMetadataRequest;
import kafka.common.OffsetMetadataAndError;
import kafka.common.TopicAndPartition;
import kafka.message.ByteBufferMessageSet;
import kafka.message.CompressionCodec;
import kafka.message.GZIPCompressionCodec$;
import kafka.message.Message;
import kafka.message.NoCompressionCodec$;
import kafka.message.SnappyCompressionCodec$;
import scala.Tuple2;
import scala.collection.JavaConversions;
import scala.collection.Seq;

public class GoldenCommon {
  static final CompressionCodec NONE = NoCompressionCodec$.MODULE$;

  static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder(b.length * 2);
    for (byte x : b) sb.append(String.format("%02x", x & 0xff));
    return sb.toString();
  }

  static String hex(ByteBuffer b) {
    ByteBuffer d = b.duplicate();
    byte[] out = new byte[d.remaining()];
    d.get(out);
    return hex(out);
  }

  static void emit(String name, String hex) {
    System.out.println(name + " " + hex);
  }

  /** The request as it goes on the wire: int32 size, int16 api key, then writeTo. */
  static void request(String name, RequestOrResponse r) {
    short key = (Short) r.requestId().get();
    ByteBuffer b = ByteBuffer.allocate(6 + r.sizeInBytes());
    b.putInt(2 + r.sizeInBytes());
    b.putShort(key);
    r.writeTo(b);
    check(name, b);
  }

  /** A response as the broker sends it: int32 size, then writeTo (correlation id first). */
  static void response(String name, RequestOrResponse r) {
    ByteBuffer b = ByteBuffer.allocate(4 + r.sizeInBytes());
    b.putInt(r.sizeInBytes());
    r.writeTo(b);
    check(name, b);
  }

  private static void check(String name, ByteBuffer b) {
    if (b.hasRemaining()) throw new IllegalStateException(name + ": sizeInBytes disagrees with writeTo");
    b.flip();
    emit(name, hex(b));
  }

  @SafeVarargs
  static <T> Seq<T> seq(T... xs) {
    return JavaConversions.asScalaBuffer(Arrays.asList(xs)).toList();
  }

  /** An immutable Scala map in insertion order (Map1..Map4 keep it). */
  @SuppressWarnings("unchecked")
  static <K, V> scala.collection.immutable.Map<K, V> imap(Object... kv) {
    if (kv.length > 8) throw new IllegalArgumentException("more than 4 entries lose their order");
    scala.collection.immutable.Map<K, V> m =
        (scala.collection.immutable.Map<K, V>) scala.collection.immutable.Map$.MODULE$.empty();
    for (int i = 0; i < kv.length; i += 2) m = m.$plus(new Tuple2<K, V>((K) kv[i], (V) kv[i + 1]));
    return m;
  }

  @SuppressWarnings("unchecked")
  static <K, V> scala.collection.mutable.Map<K, V> mmap(Object... kv) {
    scala.collection.mutable.LinkedHashMap<K, V> m = new scala.collection.mutable.LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put((K) kv[i], (V) kv[i + 1]);
    return m;
  }

  static TopicAndPartition tp(String topic, int partition) {
    return new TopicAndPartition(topic, partition);
  }

  static byte[] utf8(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  /** value, key: the Message(bytes, key) argument order. */
  static Message msg(String key, String value) {
    return new Message(utf8(value), utf8(key));
  }

  static byte[] big(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) b[i] = (byte) ('a' + i % 26);
    return b;
  }

  static ByteBufferMessageSet set(CompressionCodec codec, long base, Message... ms) {
    return new ByteBufferMessageSet(codec, new AtomicLong(base), seq(ms));
  }

  /** The mixed set of the message-set cases: keys, null key, null value, empties, a large value. */
  static Message[] mixed() {
    return new Message[] {
      msg("k0", "v0"),
      msg(null, "v1"),
      msg("k2", null),
      msg("", ""),
      new Message(big(3000), utf8("big")),
    };
  }

  static void commonRequests() {
    request("req.metadata.one", new TopicMetadataRequest((short) 0, 1, "c", seq("t")));
    request("req.metadata.all", new TopicMetadataRequest((short) 0, 2, "", GoldenCommon.<String>seq()));
    request(
        "req.fetch.one",
        new FetchRequest((short) 0, 7, "c", -1, 100, 1, imap(tp("t", 0), new PartitionFetchInfo(42, 1 << 20))));
    request(
        "req.fetch.two-topics",
        new FetchRequest(
            (short) 0,
            0x7fffffff,
            "kafka08",
            -2,
            0,
            0,
            imap(
                tp("alpha", 0), new PartitionFetchInfo(0, 1024),
                tp("alpha", 7), new PartitionFetchInfo(9007199254740993L, Integer.MAX_VALUE),
                tp("beta", 2), new PartitionFetchInfo(5, 100))));
    request(
        "req.offsets",
        new OffsetRequest(
            imap(
                tp("t", 0), new PartitionOffsetRequestInfo(-1, 1),
                tp("t", 1), new PartitionOffsetRequestInfo(-2, 1),
                tp("t", 2), new PartitionOffsetRequestInfo(1700000000000L, 10)),
            (short) 0,
            3,
            "c",
            -1));
    request("req.offset-fetch.v0", new OffsetFetchRequest("g", seq(tp("t", 0), tp("t", 1)), (short) 0, 6, "c"));
    request(
        "req.produce.acks1",
        new ProducerRequest((short) 0, 10, "c", (short) 1, 1500, mmap(tp("t", 0), set(NONE, 42, msg(null, "hello")))));
    request(
        "req.produce.acks0-empty",
        new ProducerRequest((short) 0, 11, "c", (short) 0, 0, mmap(tp("t", 1), set(NONE, 0))));
    request(
        "req.produce.mixed",
        new ProducerRequest((short) 0, 12, "p", (short) -1, 30000, mmap(tp("t", 3), set(NONE, 0, mixed()))));
  }

  static void commonMessageSets() {
    emit("set.none.hello", hex(set(NONE, 42, msg(null, "hello")).buffer()));
    emit("set.none.mixed", hex(set(NONE, 100, mixed()).buffer()));
    emit("set.none.empty", hex(set(NONE, 0).buffer()));
  }

  static void commonResponses() throws Exception {
    FetchResponse fetch =
        new FetchResponse(
            7,
            imap(
                tp("t", 0), new FetchResponsePartitionData((short) 0, 43, set(NONE, 42, msg(null, "hello"))),
                tp("t", 1), new FetchResponsePartitionData((short) 1, -1, set(NONE, 0)),
                tp("t", 2), new FetchResponsePartitionData((short) 0, 200, set(GZIPCompressionCodec$.MODULE$, 197, msg("a", "x"), msg(null, "y"), msg("c", null))),
                tp("t", 3), new FetchResponsePartitionData((short) 0, 110, set(SnappyCompressionCodec$.MODULE$, 100, mixed()))));
    emit("resp.fetch", hex(sendFetch(fetch)));
    response(
        "resp.offsets",
        new OffsetResponse(
            3,
            imap(
                tp("t", 0), new PartitionOffsetsResponse((short) 0, GoldenCommon.<Object>seq(100L, 50L, 0L)),
                tp("t", 1), new PartitionOffsetsResponse((short) 6, GoldenCommon.<Object>seq()))));
    response(
        "resp.offset-commit",
        new OffsetCommitResponse(imap(tp("t", 0), (short) 0, tp("t", 3), (short) 12), 5));
    response(
        "resp.offset-fetch",
        new OffsetFetchResponse(
            imap(
                tp("t", 0), new OffsetMetadataAndError(43, "", (short) 0),
                tp("t", 1), new OffsetMetadataAndError(-1, "", (short) 3)),
            6));
    response(
        "resp.produce",
        new ProducerResponse(
            10,
            imap(
                tp("t", 0), new ProducerResponseStatus((short) 0, 42),
                tp("t", 1), new ProducerResponseStatus((short) 6, -1))));
  }

  /** FetchResponse has no writeTo(ByteBuffer): the broker streams it with FetchResponseSend. */
  static byte[] sendFetch(FetchResponse r) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    GatheringByteChannel ch = new GatheringByteChannel() {
      public int write(ByteBuffer src) {
        int n = src.remaining();
        byte[] b = new byte[n];
        src.get(b);
        out.write(b, 0, n);
        return n;
      }

      public long write(ByteBuffer[] srcs, int offset, int length) {
        long n = 0;
        for (int i = offset; i < offset + length; i++) n += write(srcs[i]);
        return n;
      }

      public long write(ByteBuffer[] srcs) {
        return write(srcs, 0, srcs.length);
      }

      public boolean isOpen() {
        return true;
      }

      public void close() {}
    };
    FetchResponseSend send = new FetchResponseSend(r);
    while (!send.complete()) send.writeTo(ch);
    return out.toByteArray();
  }
}
