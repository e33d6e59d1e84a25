import java.util.Collections;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The rig's JVM side for KRaft-only brokers (4.0 and later): just enough to put a topic with data
 * on a node, through the version's own Admin client and producer, so a 0.8 client can be pointed
 * at it. There is no ZooKeeper to ask, and the 0.8-era APIs the other tools use are gone.
 */
public final class KraftTool {
  private KraftTool() {}

  public static void main(String[] args) throws Throwable {
    RigJvm.runTool(args, KraftTool::dispatch);
  }

  static String dispatch(String[] a) throws Exception {
    switch (a[0]) {
      case "wait-ready":
        RigJvm.need(a, 3, "wait-ready BROKERS TIMEOUT_MS");
        return waitReady(a[1], Long.parseLong(a[2]));
      case "create-topic-with-data":
        RigJvm.need(a, 5, "create-topic-with-data BROKERS TOPIC PARTITIONS RECORDS_PER_PARTITION");
        return createTopicWithData(a[1], a[2], Integer.parseInt(a[3]), Integer.parseInt(a[4]));
      default:
        throw new IllegalArgumentException("unknown command " + a[0]);
    }
  }

  private static Properties client(String brokers) {
    Properties p = new Properties();
    p.put("bootstrap.servers", brokers);
    p.put("client.id", "kafka08-rig");
    return p;
  }

  /** Until the node answers describeCluster with itself as controller-elected broker. */
  private static String waitReady(String brokers, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    Exception last = null;
    try (Admin admin = Admin.create(client(brokers))) {
      while (System.currentTimeMillis() < deadline) {
        try {
          int nodes = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
          if (nodes > 0) return String.valueOf(nodes);
        } catch (Exception e) {
          last = e;
        }
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("node not ready after " + timeoutMs + " ms", last);
  }

  /** Values "p:i" on every partition, so a reader knows what it should have got. */
  private static String createTopicWithData(String brokers, String topic, int partitions, int perPartition)
      throws Exception {
    try (Admin admin = Admin.create(client(brokers))) {
      admin.createTopics(Collections.singletonList(new NewTopic(topic, partitions, (short) 1))).all()
          .get(60, TimeUnit.SECONDS);
    }
    Properties p = client(brokers);
    p.put("acks", "all");
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      for (int part = 0; part < partitions; part++)
        for (int i = 0; i < perPartition; i++)
          producer.send(new ProducerRecord<>(topic, part, null, part + ":" + i)).get(60, TimeUnit.SECONDS);
    }
    return String.valueOf(partitions * perPartition);
  }
}
