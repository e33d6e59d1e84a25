import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;

import kafka.admin.AdminUtils;
import kafka.api.FetchRequest;
import kafka.api.FetchRequestBuilder;
import kafka.javaapi.FetchResponse;
import kafka.javaapi.PartitionMetadata;
import kafka.javaapi.TopicMetadata;
import kafka.javaapi.TopicMetadataRequest;
import kafka.javaapi.TopicMetadataResponse;
import kafka.javaapi.consumer.SimpleConsumer;
import kafka.javaapi.producer.Producer;
import kafka.message.Message;
import kafka.message.MessageAndOffset;
import kafka.producer.KeyedMessage;
import kafka.producer.Partitioner;
import kafka.producer.ProducerConfig;
import kafka.utils.VerifiableProperties;
import kafka.utils.ZKStringSerializer$;
import org.I0Itec.zkclient.ZkClient;

/**
 * The kafka08 test rig's JVM side. It talks to brokers only through Kafka's own Java-facing classes,
 * so whatever it produces or reads is what a real 0.8 JVM client would produce or read: an
 * independent reference for our TypeScript codec.
 *
 * For Kafka 0.8.x only (its Scala producer, SimpleConsumer and ZkClient); 0.9 and later use
 * KafkaClientsTool. `serve` and the launcher live in RigJvm.
 */
public final class Kafka08Tool {
  private Kafka08Tool() {}

  /** Sends each message to the partition given as its partKey, so tests choose partitions exactly. */
  public static final class ExplicitPartitioner implements Partitioner {
    public ExplicitPartitioner(VerifiableProperties props) {}

    @Override
    public int partition(Object key, int numPartitions) {
      int p = ((Integer) key).intValue();
      if (p < 0 || p >= numPartitions) {
        throw new IllegalArgumentException("partition " + p + " out of range 0.." + (numPartitions - 1));
      }
      return p;
    }
  }

  public static void main(String[] args) throws Throwable {
    RigJvm.runTool(args, Kafka08Tool::dispatch);
  }

  // ---- commands ---------------------------------------------------------------------------------

  static String dispatch(String[] a) throws Exception {
    switch (a[0]) {
      case "produce":
        RigJvm.need(a, 5, "produce BROKERS TOPIC CODEC RECORDS_FILE");
        return produce(a[1], a[2], a[3], a[4]);
      case "fetch":
        RigJvm.need(a, 7, "fetch BROKERS TOPIC PARTITION OFFSET MAX_BYTES OUT_FILE");
        return fetch(a[1], a[2], Integer.parseInt(a[3]), Long.parseLong(a[4]), Integer.parseInt(a[5]), a[6]);
      case "wait-leaders":
        RigJvm.need(a, 6, "wait-leaders BROKERS ZK EXPECTED_BROKERS TIMEOUT_MS TOPIC:PARTITIONS,...");
        return waitLeaders(a[1], a[2], Integer.parseInt(a[3]), Long.parseLong(a[4]), a[5]);
      case "create-topic":
        RigJvm.need(a, 6, "create-topic ZK TOPIC PARTITIONS REPLICATION CONFIG");
        return createTopic(a[1], a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4]), a[5]);
      case "zk-get":
        RigJvm.need(a, 3, "zk-get ZK PATH");
        return zkGet(a[1], a[2]);
      case "zk-set":
        RigJvm.need(a, 4, "zk-set ZK PATH DATA");
        return zkSet(a[1], a[2], a[3]);
      case "zk-children":
        RigJvm.need(a, 3, "zk-children ZK PATH");
        return zkChildren(a[1], a[2]);
      default:
        throw new IllegalArgumentException("unknown command " + a[0]);
    }
  }

  /** Records file: repeated [int32 partition][int32 keyLen|-1][key][int32 valueLen|-1][value]. */
  private static String produce(String brokers, String topic, String codec, String file)
      throws IOException, InterruptedException {
    List<KeyedMessage<byte[], byte[]>> batch = new ArrayList<>();
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(file), 1 << 16))) {
      while (in.available() > 0) {
        int partition = in.readInt();
        byte[] key = readBytes(in);
        byte[] value = readBytes(in);
        batch.add(new KeyedMessage<byte[], byte[]>(topic, key, Integer.valueOf(partition), value));
      }
    }
    Properties p = new Properties();
    p.put("metadata.broker.list", brokers);
    p.put("serializer.class", "kafka.serializer.DefaultEncoder");
    p.put("key.serializer.class", "kafka.serializer.DefaultEncoder");
    p.put("partitioner.class", ExplicitPartitioner.class.getName());
    p.put("request.required.acks", "-1");
    p.put("producer.type", "sync");
    p.put("compression.codec", codec);
    p.put("message.send.max.retries", "10");
    p.put("retry.backoff.ms", "300");
    p.put("request.timeout.ms", "30000");
    p.put("send.buffer.bytes", String.valueOf(4 * 1024 * 1024));
    p.put("topic.metadata.refresh.interval.ms", "0");
    p.put("client.id", "kafka08-rig");
    java.util.Map<Integer, Integer> perPartition = new java.util.TreeMap<>();
    for (KeyedMessage<byte[], byte[]> m : batch) perPartition.merge((Integer) m.partKey(), 1, Integer::sum);
    java.util.Map<Integer, Long> before = new java.util.TreeMap<>();
    for (Integer part : perPartition.keySet()) before.put(part, latestOffset(brokers, topic, part));
    Producer<byte[], byte[]> producer = new Producer<>(new ProducerConfig(p));
    try {
      producer.send(batch);
    } finally {
      producer.close();
    }
    // The 0.8 producer logs some failures (e.g. a codec that cannot load) and returns normally:
    // check that the log end offsets really moved.
    for (java.util.Map.Entry<Integer, Integer> e : perPartition.entrySet()) {
      long was = before.get(e.getKey());
      long now = latestOffset(brokers, topic, e.getKey());
      if (was >= 0 && now - was < e.getValue()) {
        throw new IllegalStateException("producer returned but " + topic + "/" + e.getKey() + " grew by " + (now - was)
            + " of " + e.getValue() + " messages; see the helper log");
      }
    }
    return String.valueOf(batch.size());
  }

  /**
   * Log end offset of a partition, or -1 when the topic does not exist yet (auto-created on send).
   * Right after a leader change a broker's metadata may still name the old leader, which answers
   * NotLeaderForPartition (6) or LeaderNotAvailable (5): asked again, for up to 10 s.
   */
  private static long latestOffset(String brokers, String topic, int partition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      try {
        return latestOffsetOnce(brokers, topic, partition);
      } catch (LeaderMovedException e) {
        if (System.currentTimeMillis() > deadline) throw new IllegalStateException(e.getMessage());
        Thread.sleep(250);
      }
    }
  }

  private static final class LeaderMovedException extends Exception {
    LeaderMovedException(String message) {
      super(message);
    }
  }

  private static long latestOffsetOnce(String brokers, String topic, int partition) throws LeaderMovedException {
    String leader = null;
    for (String b : brokers.split(",")) {
      leader = leaderOf(b, topic, partition);
      if (leader != null) break;
    }
    if (leader == null) return -1;
    String[] hp = leader.split(":");
    SimpleConsumer c = new SimpleConsumer(hp[0], Integer.parseInt(hp[1]), 10000, 64 * 1024, "kafka08-rig");
    try {
      kafka.common.TopicAndPartition tp = new kafka.common.TopicAndPartition(topic, partition);
      java.util.Map<kafka.common.TopicAndPartition, kafka.api.PartitionOffsetRequestInfo> req = new java.util.HashMap<>();
      req.put(tp, new kafka.api.PartitionOffsetRequestInfo(kafka.api.OffsetRequest.LatestTime(), 1));
      kafka.javaapi.OffsetResponse r = c.getOffsetsBefore(
          new kafka.javaapi.OffsetRequest(req, kafka.api.OffsetRequest.CurrentVersion(), "kafka08-rig"));
      if (r.hasError()) {
        short code = r.errorCode(topic, partition);
        if (code == 5 || code == 6) throw new LeaderMovedException("offset request error code " + code + " for 10 s");
        throw new IllegalStateException("offset request error code " + code);
      }
      return r.offsets(topic, partition)[0];
    } finally {
      c.close();
    }
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) return null;
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  /** Output file: repeated [int64 offset][int32 keyLen|-1][key][int32 valueLen|-1][value]. */
  private static String fetch(String brokers, String topic, int partition, long offset, int maxBytes, String file)
      throws Exception {
    String leader = null;
    for (String b : brokers.split(",")) {
      String found = leaderOf(b, topic, partition);
      if (found != null) {
        leader = found;
        break;
      }
    }
    if (leader == null) throw new IllegalStateException("no leader for " + topic + "/" + partition);
    String[] hp = leader.split(":");
    SimpleConsumer c = new SimpleConsumer(hp[0], Integer.parseInt(hp[1]), 30000, maxBytes + 1024 * 1024, "kafka08-rig");
    int count = 0;
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(file), 1 << 16))) {
      FetchRequest req = new FetchRequestBuilder().clientId("kafka08-rig").addFetch(topic, partition, offset, maxBytes).build();
      FetchResponse resp = c.fetch(req);
      if (resp.hasError()) {
        throw new IllegalStateException("fetch error code " + resp.errorCode(topic, partition));
      }
      for (MessageAndOffset mo : resp.messageSet(topic, partition)) {
        // A compressed wrapper can hold messages below the requested offset.
        if (mo.offset() < offset) continue;
        Message m = mo.message();
        out.writeLong(mo.offset());
        writeBuffer(out, m.hasKey() ? m.key() : null);
        writeBuffer(out, m.isNull() ? null : m.payload());
        count++;
      }
    } finally {
      c.close();
    }
    return String.valueOf(count);
  }

  private static void writeBuffer(DataOutputStream out, ByteBuffer b) throws IOException {
    if (b == null) {
      out.writeInt(-1);
      return;
    }
    ByteBuffer d = b.duplicate();
    byte[] bytes = new byte[d.remaining()];
    d.get(bytes);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static String leaderOf(String broker, String topic, int partition) {
    String[] hp = broker.split(":");
    SimpleConsumer c = new SimpleConsumer(hp[0], Integer.parseInt(hp[1]), 5000, 64 * 1024, "kafka08-rig");
    try {
      TopicMetadataResponse r = c.send(new TopicMetadataRequest(Collections.singletonList(topic)));
      for (TopicMetadata tm : r.topicsMetadata()) {
        for (PartitionMetadata pm : tm.partitionsMetadata()) {
          if (pm.partitionId() == partition && pm.leader() != null) {
            return pm.leader().host() + ":" + pm.leader().port();
          }
        }
      }
      return null;
    } catch (Exception e) {
      return null;
    } finally {
      c.close();
    }
  }

  /**
   * Waits until ZooKeeper lists exactly the expected number of live brokers and every broker's
   * metadata shows a leader for every requested partition. Returns "topic/partition=leaderId,...".
   */
  private static String waitLeaders(String brokers, String zk, int expected, long timeoutMs, String topicSpec)
      throws Exception {
    List<String> topics = new ArrayList<>();
    List<Integer> counts = new ArrayList<>();
    for (String t : topicSpec.split(",")) {
      if (t.isEmpty()) continue;
      int colon = t.lastIndexOf(':');
      topics.add(t.substring(0, colon));
      counts.add(Integer.valueOf(t.substring(colon + 1)));
    }
    long deadline = System.currentTimeMillis() + timeoutMs;
    String last = "not checked yet";
    ZkClient zc = zkClient(zk);
    try {
      while (true) {
        last = checkLeaders(brokers, zc, expected, topics, counts);
        if (last.startsWith("OK ")) return last.substring(3);
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("timed out after " + timeoutMs + " ms: " + last);
        }
        Thread.sleep(100);
      }
    } finally {
      zc.close();
    }
  }

  private static String checkLeaders(String brokers, ZkClient zc, int expected, List<String> topics, List<Integer> counts) {
    List<String> ids = zc.exists("/brokers/ids") ? zc.getChildren("/brokers/ids") : Collections.<String>emptyList();
    if (ids.size() != expected) return "ZooKeeper lists brokers " + ids + ", expected " + expected;
    StringBuilder result = new StringBuilder();
    String[] all = brokers.split(",");
    for (String b : all) {
      boolean primary = b.equals(all[0]);
      String[] hp = b.split(":");
      SimpleConsumer c = new SimpleConsumer(hp[0], Integer.parseInt(hp[1]), 5000, 64 * 1024, "kafka08-rig");
      try {
        if (topics.isEmpty()) {
          c.send(new TopicMetadataRequest(Collections.<String>emptyList()));
          continue;
        }
        TopicMetadataResponse r = c.send(new TopicMetadataRequest(topics));
        for (int k = 0; k < topics.size(); k++) {
          String topic = topics.get(k);
          TopicMetadata tm = null;
          for (TopicMetadata x : r.topicsMetadata()) if (x.topic().equals(topic)) tm = x;
          if (tm == null) return b + " has no metadata for " + topic;
          for (int p = 0; p < counts.get(k); p++) {
            PartitionMetadata pm = null;
            for (PartitionMetadata x : tm.partitionsMetadata()) if (x.partitionId() == p) pm = x;
            if (pm == null || pm.leader() == null) return b + " has no leader for " + topic + "/" + p;
            if (!ids.contains(String.valueOf(pm.leader().id()))) return b + " names dead leader for " + topic + "/" + p;
            if (primary) {
              if (result.length() > 0) result.append(',');
              result.append(topic).append('/').append(p).append('=').append(pm.leader().id());
            }
          }
        }
      } catch (Exception e) {
        return b + " metadata failed: " + RigJvm.describe(e);
      } finally {
        c.close();
      }
    }
    return "OK " + result;
  }

  private static ZkClient zkClient(String zk) {
    return new ZkClient(zk, 10000, 10000, ZKStringSerializer$.MODULE$);
  }

  /** CONFIG: topic-level settings as "key=value" lines (may be empty). */
  private static String createTopic(String zk, String topic, int partitions, int replication, String config)
      throws IOException {
    Properties props = new Properties();
    props.load(new java.io.StringReader(config));
    ZkClient zc = zkClient(zk);
    try {
      AdminUtils.createTopic(zc, topic, partitions, replication, props);
      return "created";
    } finally {
      zc.close();
    }
  }

  /** Returns "-" for a missing node, else "=" followed by the data. */
  private static String zkGet(String zk, String path) {
    ZkClient zc = zkClient(zk);
    try {
      Object data = zc.readData(path, true);
      return data == null ? (zc.exists(path) ? "=" : "-") : "=" + data;
    } finally {
      zc.close();
    }
  }

  private static String zkSet(String zk, String path, String data) {
    ZkClient zc = zkClient(zk);
    try {
      if (!zc.exists(path)) zc.createPersistent(path, true);
      zc.writeData(path, data);
      return "set";
    } finally {
      zc.close();
    }
  }

  /** Children separated by newlines; a missing node gives no children. */
  private static String zkChildren(String zk, String path) {
    ZkClient zc = zkClient(zk);
    try {
      if (!zc.exists(path)) return "";
      List<String> kids = new ArrayList<>(zc.getChildren(path));
      Collections.sort(kids);
      return String.join("\n", kids);
    } finally {
      zc.close();
    }
  }
}
