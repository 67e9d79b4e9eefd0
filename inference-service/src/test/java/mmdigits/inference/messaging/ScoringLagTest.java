package mmdigits.inference.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class ScoringLagTest {
    static final TopicPartition P0 = new TopicPartition("t", 0);
    static final TopicPartition P1 = new TopicPartition("t", 1);
    static final TopicPartition P2 = new TopicPartition("t", 2);

    static ListOffsetsResultInfo at(long offset) {
        return new ListOffsetsResultInfo(offset, -1, Optional.empty());
    }

    @Test
    void lagIsTheEndMinusTheCommittedOffsetOrTheStartWhereNothingWasCommitted() {
        Map<TopicPartition, Long> lag =
                ScoringLag.lag(
                        List.of(P0, P1, P2),
                        Map.of(P0, new OffsetAndMetadata(70), P1, new OffsetAndMetadata(120)),
                        Map.of(P0, at(100), P1, at(120), P2, at(50)),
                        Map.of(P0, at(0), P1, at(0), P2, at(8)));
        assertThat(lag).containsExactly(Map.entry(P0, 30L), Map.entry(P1, 0L), Map.entry(P2, 42L));
    }

    @Test
    void aCommitPastTheLastCommittedRecordIsNoNegativeLag() {
        // an open transaction holds the last stable offset below a commit made past it
        assertThat(
                        ScoringLag.lag(
                                List.of(P0),
                                Map.of(P0, new OffsetAndMetadata(12)),
                                Map.of(P0, at(10)),
                                Map.of(P0, at(0))))
                .containsEntry(P0, 0L);
    }
}
