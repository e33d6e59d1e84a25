// Kafka 0.8.2's Java KafkaProducer sending the benchmark's own payload: ProducerPerformance can
// only send a constant value (every byte 1), which every codec shrinks to almost nothing, so its
// codec rows do not compare with clients that send text. This reads the first `BLOCK` lines of the
// values file that kcat sends (the same values kafka08's driver cycles through), sends `count`
// records with send(record, callback) in a loop, and times from the first send to the end of
// close(), which in 0.8.2 waits until every record is acknowledged (there is no flush()).
//
//   java -cp <kafka libs>:<dir> TextProducer <brokers> <topic> <count> <values file> <acks> <codec>
//
// Prints one JSON line: {"client":"jvm-text","complete":...,"count":...,"elapsedMs":...}.
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class TextProducer {
  private static final int BLOCK = 4096;

  public static void main(String[] args) throws Exception {
    String brokers = args[0];
    String topic = args[1];
    long count = Long.parseLong(args[2]);
    byte[][] values = readValues(args[3]);

    Properties props = new Properties();
    props.put("bootstrap.servers", brokers);
    props.put("acks", args[4]);
    props.put("compression.type", args[5]);
    KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    // Metadata before the clock starts, as the Node drivers do.
    producer.partitionsFor(topic);

    AtomicLong acked = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    Callback onOutcome =
        (RecordMetadata meta, Exception e) -> {
          if (e != null) failure.compareAndSet(null, e);
          else acked.incrementAndGet();
        };
    long t0 = System.nanoTime();
    for (long i = 0; i < count && failure.get() == null; i++) {
      producer.send(new ProducerRecord<>(topic, values[(int) (i % values.length)]), onOutcome);
    }
    producer.close();
    double elapsedMs = (System.nanoTime() - t0) / 1e6;

    Exception err = failure.get();
    StringBuilder out = new StringBuilder("{\"client\":\"jvm-text\",\"complete\":");
    out.append(err == null && acked.get() == count)
        .append(",\"count\":")
        .append(acked.get())
        .append(",\"elapsedMs\":")
        .append(elapsedMs);
    if (err != null) out.append(",\"error\":\"").append(jsonText(err.toString())).append('"');
    System.out.println(out.append('}'));
  }

  private static byte[][] readValues(String file) throws Exception {
    List<byte[]> lines = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(new FileInputStream(file), StandardCharsets.ISO_8859_1))) {
      for (String line = in.readLine(); line != null && lines.size() < BLOCK; line = in.readLine()) {
        lines.add(line.getBytes(StandardCharsets.ISO_8859_1));
      }
    }
    if (lines.isEmpty()) throw new IllegalArgumentException("no values in " + file);
    return lines.toArray(new byte[0][]);
  }

  private static String jsonText(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ");
  }
}
