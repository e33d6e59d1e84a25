import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * The rig's JVM side for Kafka 0.9 to 3.9: the version's own Java producer and consumer (so test
 * data is stored in that version's message format, and read back the way its own clients read it)
 * and that version's ZooKeeper client. Only APIs present in every one of those versions are used.
 * Topics are created through ZooKeeper (config node, then assignment node) as AdminUtils and
 * AdminZkClient do, because no admin API spans 0.9 to 3.9.
 */
public final class KafkaClientsTool {
  private KafkaClientsTool() {}

  public static void main(String[] args) throws Throwable {
    RigJvm.runTool(args, KafkaClientsTool::dispatch);
  }

  static String dispatch(String[] a) throws Exception {
    switch (a[0]) {
      case "produce":
        RigJvm.need(a, 5, "produce BROKERS TOPIC CODEC RECORDS_FILE");
        return produce(a[1], a[2], a[3], a[4]);
      case "fetch":
        RigJvm.need(a, 7, "fetch BROKERS TOPIC PARTITION OFFSET MAX_BYTES OUT_FILE");
        return fetch(a[1], a[2], Integer.parseInt(a[3]), Long.parseLong(a[4]), Integer.parseInt(a[5]), a[6]);
      case "committed":
        RigJvm.need(a, 5, "committed BROKERS GROUP TOPIC PARTITION");
        return committed(a[1], a[2], a[3], Integer.parseInt(a[4]));
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

  // ---- producer and consumer ------------------------------------------------------------------

  /** Records file: repeated [int32 partition][int32 keyLen|-1][key][int32 valueLen|-1][value]. */
  private static String produce(String brokers, String topic, String codec, String file) throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", brokers);
    p.put("acks", "all");
    p.put("compression.type", codec);
    p.put("retries", "10");
    p.put("retry.backoff.ms", "300");
    // Several records share a batch (one compressed wrapper), as in real traffic.
    p.put("linger.ms", "20");
    p.put("max.request.size", String.valueOf(100 * 1024 * 1024));
    p.put("buffer.memory", String.valueOf(256 * 1024 * 1024));
    p.put("request.timeout.ms", "30000");
    p.put("max.block.ms", "60000");
    p.put("client.id", "kafka08-rig");
    int count = 0;
    try (KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(file), 1 << 16))) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      while (in.available() > 0) {
        int partition = in.readInt();
        byte[] key = readBytes(in);
        byte[] value = readBytes(in);
        sent.add(producer.send(new ProducerRecord<>(topic, Integer.valueOf(partition), key, value)));
        count++;
      }
      producer.flush();
      for (Future<RecordMetadata> f : sent) f.get(60, TimeUnit.SECONDS);
    }
    return String.valueOf(count);
  }

  private static Properties consumerProps(String brokers, String group, int maxBytes) {
    Properties p = new Properties();
    p.put("bootstrap.servers", brokers);
    p.put("group.id", group);
    p.put("enable.auto.commit", "false");
    p.put("client.id", "kafka08-rig");
    p.put("max.partition.fetch.bytes", String.valueOf(maxBytes));
    p.put("session.timeout.ms", "10000");
    p.put("request.timeout.ms", "30000");
    return p;
  }

  /**
   * Reads what one poll of the version's own consumer returns from OFFSET on. Output file:
   * repeated [int64 offset][int32 keyLen|-1][key][int32 valueLen|-1][value].
   */
  @SuppressWarnings("deprecation")
  private static String fetch(String brokers, String topic, int partition, long offset, int maxBytes, String file)
      throws IOException {
    TopicPartition tp = new TopicPartition(topic, partition);
    int count = 0;
    try (KafkaConsumer<byte[], byte[]> c =
            new KafkaConsumer<>(consumerProps(brokers, "kafka08-rig-fetch", maxBytes),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(file), 1 << 16))) {
      c.assign(Collections.singletonList(tp));
      c.seek(tp, offset);
      long deadline = System.currentTimeMillis() + 15_000;
      while (count == 0 && System.currentTimeMillis() < deadline) {
        // poll(long) is the one spelling every version from 0.9 to 3.9 has.
        ConsumerRecords<byte[], byte[]> records = c.poll(500);
        for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
          if (r.offset() < offset) continue;
          out.writeLong(r.offset());
          writeBytes(out, r.key());
          writeBytes(out, r.value());
          count++;
        }
      }
    }
    return String.valueOf(count);
  }

  /** The group's offset as the version's own consumer sees it (OffsetFetch v1+), -1 if none. */
  @SuppressWarnings("deprecation")
  private static String committed(String brokers, String group, String topic, int partition) {
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(consumerProps(brokers, group, 1 << 20), new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      OffsetAndMetadata om = c.committed(new TopicPartition(topic, partition));
      return om == null ? "-1" : String.valueOf(om.offset());
    }
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) return null;
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    if (b == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(b.length);
    out.write(b);
  }

  // ---- cluster state ----------------------------------------------------------------------------

  /**
   * Waits until ZooKeeper lists exactly the expected number of live brokers and every broker's
   * metadata shows a live leader for every requested partition. Returns "topic/partition=leaderId,...".
   */
  private static String waitLeaders(String brokers, String zk, int expected, long timeoutMs, String topicSpec)
      throws Exception {
    Map<String, Integer> topics = new TreeMap<>();
    for (String t : topicSpec.split(",")) {
      if (t.isEmpty()) continue;
      int colon = t.lastIndexOf(':');
      topics.put(t.substring(0, colon), Integer.valueOf(t.substring(colon + 1)));
    }
    long deadline = System.currentTimeMillis() + timeoutMs;
    String last;
    ZooKeeper z = zk(zk);
    try {
      while (true) {
        last = checkLeaders(brokers, z, expected, topics);
        if (last.startsWith("OK ")) return last.substring(3);
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("timed out after " + timeoutMs + " ms: " + last);
        }
        Thread.sleep(100);
      }
    } finally {
      z.close();
    }
  }

  private static String checkLeaders(String brokers, ZooKeeper z, int expected, Map<String, Integer> topics)
      throws Exception {
    List<String> ids = z.exists("/brokers/ids", false) == null
        ? Collections.<String>emptyList()
        : z.getChildren("/brokers/ids", false);
    if (ids.size() != expected) return "ZooKeeper lists brokers " + ids + ", expected " + expected;
    StringBuilder result = new StringBuilder();
    String[] all = brokers.split(",");
    for (String b : all) {
      boolean primary = b.equals(all[0]);
      try (KafkaConsumer<byte[], byte[]> c =
          new KafkaConsumer<>(consumerProps(b, "kafka08-rig-meta", 1 << 16), new ByteArrayDeserializer(),
              new ByteArrayDeserializer())) {
        // listTopics always asks the broker; partitionsFor would answer from a cache.
        Map<String, List<PartitionInfo>> meta = c.listTopics();
        for (Map.Entry<String, Integer> t : topics.entrySet()) {
          List<PartitionInfo> parts = meta.get(t.getKey());
          if (parts == null) return b + " has no metadata for " + t.getKey();
          for (int p = 0; p < t.getValue(); p++) {
            PartitionInfo found = null;
            for (PartitionInfo x : parts) if (x.partition() == p) found = x;
            if (found == null || found.leader() == null || found.leader().id() < 0) {
              return b + " has no leader for " + t.getKey() + "/" + p;
            }
            if (!ids.contains(String.valueOf(found.leader().id()))) {
              return b + " names dead leader for " + t.getKey() + "/" + p;
            }
            if (primary) {
              if (result.length() > 0) result.append(',');
              result.append(t.getKey()).append('/').append(p).append('=').append(found.leader().id());
            }
          }
        }
      } catch (Exception e) {
        return b + " metadata failed: " + RigJvm.describe(e);
      }
    }
    return "OK " + result;
  }

  /** CONFIG: topic-level settings as "key=value" lines (may be empty). Replicas round-robin over live brokers. */
  private static String createTopic(String zk, String topic, int partitions, int replication, String config)
      throws Exception {
    Properties props = new Properties();
    props.load(new StringReader(config));
    ZooKeeper z = zk(zk);
    try {
      List<Integer> ids = new ArrayList<>();
      for (String id : z.getChildren("/brokers/ids", false)) ids.add(Integer.valueOf(id));
      Collections.sort(ids);
      if (ids.size() < replication) {
        throw new IllegalStateException("replication " + replication + " needs that many live brokers, have " + ids);
      }
      if (z.exists("/brokers/topics/" + topic, false) != null) {
        throw new IllegalStateException("topic " + topic + " already exists");
      }
      StringBuilder cfg = new StringBuilder("{\"version\":1,\"config\":{");
      boolean first = true;
      for (String k : new java.util.TreeSet<>(props.stringPropertyNames())) {
        if (!first) cfg.append(',');
        first = false;
        cfg.append(json(k)).append(':').append(json(props.getProperty(k)));
      }
      cfg.append("}}");
      // Config first: the broker reads it when the assignment node makes it create the log.
      write(z, "/config/topics/" + topic, cfg.toString());
      StringBuilder assignment = new StringBuilder("{\"version\":1,\"partitions\":{");
      for (int p = 0; p < partitions; p++) {
        if (p > 0) assignment.append(',');
        assignment.append('"').append(p).append("\":[");
        for (int r = 0; r < replication; r++) {
          if (r > 0) assignment.append(',');
          assignment.append(ids.get((p + r) % ids.size()));
        }
        assignment.append(']');
      }
      assignment.append("}}");
      create(z, "/brokers/topics/" + topic, assignment.toString());
      return "created";
    } finally {
      z.close();
    }
  }

  private static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      if (ch == '"' || ch == '\\') b.append('\\').append(ch);
      else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
      else b.append(ch);
    }
    return b.append('"').toString();
  }

  // ---- ZooKeeper --------------------------------------------------------------------------------

  private static ZooKeeper zk(String connect) throws Exception {
    CountDownLatch connected = new CountDownLatch(1);
    Watcher watcher = e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
    };
    ZooKeeper z = new ZooKeeper(connect, 10000, watcher);
    if (!connected.await(15, TimeUnit.SECONDS)) {
      z.close();
      throw new IllegalStateException("no ZooKeeper session with " + connect + " after 15 s");
    }
    return z;
  }

  private static void ensureParents(ZooKeeper z, String path) throws Exception {
    int at = 0;
    while ((at = path.indexOf('/', at + 1)) > 0) {
      try {
        z.create(path.substring(0, at), new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
      } catch (KeeperException.NodeExistsException ignored) {
      }
    }
  }

  private static void create(ZooKeeper z, String path, String data) throws Exception {
    ensureParents(z, path);
    z.create(path, data.getBytes(StandardCharsets.UTF_8), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
  }

  private static void write(ZooKeeper z, String path, String data) throws Exception {
    ensureParents(z, path);
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    try {
      z.create(path, bytes, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    } catch (KeeperException.NodeExistsException e) {
      z.setData(path, bytes, -1);
    }
  }

  /** Returns "-" for a missing node, else "=" followed by the data. */
  private static String zkGet(String zk, String path) throws Exception {
    ZooKeeper z = zk(zk);
    try {
      byte[] data = z.getData(path, false, null);
      return "=" + (data == null ? "" : new String(data, StandardCharsets.UTF_8));
    } catch (KeeperException.NoNodeException e) {
      return "-";
    } finally {
      z.close();
    }
  }

  private static String zkSet(String zk, String path, String data) throws Exception {
    ZooKeeper z = zk(zk);
    try {
      write(z, path, data);
      return "set";
    } finally {
      z.close();
    }
  }

  /** Children separated by newlines; a missing node gives no children. */
  private static String zkChildren(String zk, String path) throws Exception {
    ZooKeeper z = zk(zk);
    try {
      if (z.exists(path, false) == null) return "";
      List<String> kids = new ArrayList<>(z.getChildren(path, false));
      Collections.sort(kids);
      return String.join("\n", kids);
    } finally {
      z.close();
    }
  }
}
