// Kafka 0.8.2.2 cases: the common ones plus what only 0.8.2 has or builds differently
// (OffsetCommit v1 / OffsetAndMetadata, OffsetFetch v1, ConsumerMetadata, 3-argument metadata).
import kafka.api.ConsumerMetadataRequest;
import kafka.api.ConsumerMetadataResponse;
import kafka.api.OffsetCommitRequest;
import kafka.api.OffsetFetchRequest;
import kafka.api.OffsetFetchResponse;
import kafka.api.PartitionMetadata;
import kafka.api.TopicMetadata;
import kafka.api.TopicMetadataResponse;
import kafka.cluster.Broker;
import kafka.common.OffsetAndMetadata;
import kafka.common.OffsetMetadataAndError;
import kafka.common.TopicAndPartition;
import scala.Option;

public class Golden082 extends GoldenCommon {
  public static void main(String[] args) throws Exception {
    commonRequests();
    commonMessageSets();
    commonResponses();

    // v0 leaves out the timestamp, generation and consumer id; 0.8.2 still wants them built.
    request(
        "req.offset-commit.v0",
        new OffsetCommitRequest(
            "g",
            imap(tp("t", 0), new OffsetAndMetadata(43, "", 0), tp("t", 1), new OffsetAndMetadata(0, null, 0)),
            (short) 0, 4, "c", -1, ""));
    request(
        "req.offset-commit.v1",
        new OffsetCommitRequest(
            "g",
            imap(
                tp("t", 0), new OffsetAndMetadata(43, "m", -1),
                tp("t", 3), new OffsetAndMetadata(1, "", 1700000000123L)),
            (short) 1, 5, "c", -1, ""));
    request("req.offset-fetch.v1", new OffsetFetchRequest("g", GoldenCommon.<TopicAndPartition>seq(), (short) 1, 8, "c"));
    request("req.consumer-metadata", new ConsumerMetadataRequest("group-1", (short) 0, 9, "c"));

    // The sample's layout: error 9 with a live leader, a replica (2) that is not in the broker
    // list, and an auto-created topic answering 5 with no partitions.
    Broker b0 = new Broker(0, "localhost", 9092);
    Broker b1 = new Broker(1, "hôte", 9093);
    Broker b2 = new Broker(2, "gone", 9094);
    response(
        "resp.metadata",
        new TopicMetadataResponse(
            seq(b0, b1),
            seq(
                new TopicMetadata(
                    "t",
                    seq(
                        new PartitionMetadata(0, Option.apply(b0), seq(b0, b1), seq(b0, b1), (short) 0),
                        new PartitionMetadata(1, Option.apply(b1), seq(b1, b2), seq(b1), (short) 9)),
                    (short) 0),
                new TopicMetadata("new", GoldenCommon.<PartitionMetadata>seq(), (short) 5)),
            1));
    response("resp.consumer-metadata.ok", new ConsumerMetadataResponse(Option.apply(new Broker(2, "broker-2", 9094)), (short) 0, 9));
    response("resp.consumer-metadata.error", new ConsumerMetadataResponse(Option.<Broker>empty(), (short) 15, 0));
    response(
        "resp.offset-fetch.v1-missing",
        new OffsetFetchResponse(imap(tp("t", 0), new OffsetMetadataAndError(-1, null, (short) 0)), 8));
  }
}
