import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import kafka.consumer.Consumer;
import kafka.consumer.ConsumerConfig;
import kafka.consumer.ConsumerIterator;
import kafka.consumer.ConsumerTimeoutException;
import kafka.consumer.KafkaStream;
import kafka.javaapi.consumer.ConsumerConnector;
import kafka.message.MessageAndMetadata;

/**
 * Kafka 0.8's own high-level consumer (ZookeeperConsumerConnector), for the offset
 * interoperability test: reads at most `max` messages of one topic as group `group`, starting
 * where the group's ZooKeeper offsets say, commits, and prints "partition offset value" lines.
 * Usage: HighLevelConsume zkConnect group topic max
 */
public final class HighLevelConsume {
  public static void main(String[] args) {
    Properties p = new Properties();
    p.put("zookeeper.connect", args[0]);
    p.put("group.id", args[1]);
    p.put("auto.commit.enable", "false");
    p.put("auto.offset.reset", "smallest");
    p.put("consumer.timeout.ms", "4000");
    p.put("zookeeper.session.timeout.ms", "6000");
    String topic = args[2];
    int max = Integer.parseInt(args[3]);
    ConsumerConnector c = Consumer.createJavaConsumerConnector(new ConsumerConfig(p));
    try {
      Map<String, List<KafkaStream<byte[], byte[]>>> streams =
          c.createMessageStreams(Collections.singletonMap(topic, 1));
      ConsumerIterator<byte[], byte[]> it = streams.get(topic).get(0).iterator();
      int n = 0;
      try {
        while (n < max && it.hasNext()) {
          MessageAndMetadata<byte[], byte[]> m = it.next();
          System.out.println(m.partition() + " " + m.offset() + " " + new String(m.message(), "UTF-8"));
          n++;
        }
      } catch (ConsumerTimeoutException e) {
        // no more messages within consumer.timeout.ms
      } catch (java.io.UnsupportedEncodingException e) {
        throw new RuntimeException(e);
      }
      c.commitOffsets();
    } finally {
      c.shutdown();
    }
  }
}
