// Kafka 0.8.1.1 cases: the common ones plus OffsetCommit v0 (built from OffsetMetadataAndError in
// 0.8.1) and the 2-argument metadata response, whose broker list Kafka derives from the partitions.
// 0.8.1 has no ConsumerMetadata and no OffsetCommit/OffsetFetch v1.
import kafka.api.OffsetCommitRequest;
import kafka.api.PartitionMetadata;
import kafka.api.TopicMetadata;
import kafka.api.TopicMetadataResponse;
import kafka.cluster.Broker;
import kafka.common.OffsetMetadataAndError;
import scala.Option;

public class Golden081 extends GoldenCommon {
  public static void main(String[] args) throws Exception {
    commonRequests();
    commonMessageSets();
    commonResponses();

    request(
        "req.offset-commit.v0",
        new OffsetCommitRequest(
            "g",
            imap(
                tp("t", 0), new OffsetMetadataAndError(43, "", (short) 0),
                tp("t", 1), new OffsetMetadataAndError(0, null, (short) 0)),
            (short) 0, 4, "c"));

    // One broker only: 0.8.1 collects brokers into a Set, whose order for several is a hash order.
    Broker b0 = new Broker(0, "localhost", 9092);
    response(
        "resp.metadata",
        new TopicMetadataResponse(
            seq(
                new TopicMetadata(
                    "t",
                    seq(
                        new PartitionMetadata(0, Option.apply(b0), seq(b0), seq(b0), (short) 0),
                        new PartitionMetadata(1, Option.<Broker>empty(), seq(b0), GoldenCommon.<Broker>seq(), (short) 5)),
                    (short) 0),
                new TopicMetadata("new", GoldenCommon.<PartitionMetadata>seq(), (short) 5)),
            1));
  }
}
