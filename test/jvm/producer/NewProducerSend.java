// Sends one record per stdin line with Kafka 0.8.2's own new producer
// (org.apache.kafka.clients.producer.KafkaProducer) and its default partitioner, and prints where
// each landed: "<partition> <offset>" per line, in input order. A line "KEY\tVALUE" is keyed;
// a line without a tab has a null key. Used to check that our producer places keys as Java does.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

public class NewProducerSend {
  public static void main(String[] args) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", args[0]);
    p.put("acks", "1");
    p.put("retries", "5");
    p.put("compression.type", args.length > 2 ? args[2] : "none");
    p.put("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    p.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    String topic = args[1];
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p);
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        int tab = line.indexOf('\t');
        byte[] key = tab < 0 ? null : line.substring(0, tab).getBytes(StandardCharsets.UTF_8);
        byte[] value = (tab < 0 ? line : line.substring(tab + 1)).getBytes(StandardCharsets.UTF_8);
        sent.add(producer.send(new ProducerRecord<byte[], byte[]>(topic, key, value)));
      }
      StringBuilder out = new StringBuilder();
      for (Future<RecordMetadata> f : sent) {
        RecordMetadata m = f.get();
        out.append(m.partition()).append(' ').append(m.offset()).append('\n');
      }
      System.out.print(out);
    } finally {
      producer.close();
    }
  }
}
