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
 * Kafka 0.8's own high-level consumer as a long-lived group member, for the KafkaSource interop
 * tests: joins `group` on `topic` with one stream, auto-commits every 200 ms, prints
 * "partition offset value" lines as it reads, and leaves (commit + shutdown) after `idleMs`
 * without a message. Prints "READY <consumerIdString-prefix>" once the streams exist.
 * Usage: GroupMember zkConnect group topic idleMs strategy consumerId
 */
public final class GroupMember {
  public static void main(String[] args) throws Exception {
    Properties p = new Properties();
    p.put("zookeeper.connect", args[0]);
    p.put("group.id", args[1]);
    p.put("auto.commit.enable", "true");
    p.put("auto.commit.interval.ms", "200");
    p.put("auto.offset.reset", "smallest");
    p.put("consumer.timeout.ms", args[3]);
    p.put("zookeeper.session.timeout.ms", "4000");
    p.put("rebalance.backoff.ms", "300");
    p.put("rebalance.max.retries", "20");
    p.put("partition.assignment.strategy", args[4]);
    p.put("consumer.id", args[5]);
    String topic = args[2];
    ConsumerConnector c = Consumer.createJavaConsumerConnector(new ConsumerConfig(p));
    try {
      Map<String, List<KafkaStream<byte[], byte[]>>> streams =
          c.createMessageStreams(Collections.singletonMap(topic, 1));
      System.out.println("READY");
      System.out.flush();
      ConsumerIterator<byte[], byte[]> it = streams.get(topic).get(0).iterator();
      try {
        while (it.hasNext()) {
          MessageAndMetadata<byte[], byte[]> m = it.next();
          System.out.println(m.partition() + " " + m.offset() + " " + new String(m.message(), "UTF-8"));
          System.out.flush();
        }
      } catch (ConsumerTimeoutException e) {
        // idle for consumer.timeout.ms: leave
      }
    } finally {
      c.shutdown();
    }
  }
}
