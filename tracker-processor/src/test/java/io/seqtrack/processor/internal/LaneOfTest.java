package io.seqtrack.processor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LaneOfTest {

    @Test
    void everyKeyGetsALaneInRangeAndTheSameOneEachTime() {
        for (int lanes : new int[] {1, 2, 3, 8, 64}) {
            for (int i = 0; i < 10_000; i++) {
                AggregateKey key = AggregateKey.of("user_account", "agg-" + i);
                int lane = LaneOf.lane(key, lanes);
                assertThat(lane).isBetween(0, lanes - 1);
                assertThat(LaneOf.lane(AggregateKey.of("user_account", "agg-" + i), lanes)).isEqualTo(lane);
            }
        }
    }

    /**
     * The keys of one lane use all of a small {@code HashMap}'s buckets, and about evenly: what the lane's per-batch
     * sets are indexed by. With {@code hashCode mod lanes} the keys of a lane of eight share three low bits and this
     * fails (the spread of {@code HashMap.hash} does not rescue ids that differ in their last characters only).
     */
    @Test
    void theKeysOfALaneSpreadOverAHashMapsBuckets() {
        int lanes = 8;
        int buckets = 64;
        List<List<AggregateKey>> byLane = new ArrayList<>();
        for (int l = 0; l < lanes; l++) {
            byLane.add(new ArrayList<>());
        }
        for (int i = 0; i < 100_000; i++) {
            AggregateKey key = AggregateKey.of("user_account", "agg-" + i);
            byLane.get(LaneOf.lane(key, lanes)).add(key);
        }
        for (List<AggregateKey> keys : byLane) {
            assertThat(keys.size()).as("lane size").isBetween(100_000 / lanes * 9 / 10, 100_000 / lanes * 11 / 10);
            int[] perBucket = new int[buckets];
            for (AggregateKey key : keys) {
                int h = key.hashCode();
                perBucket[(h ^ (h >>> 16)) & (buckets - 1)]++; // HashMap's index for a table of 64
            }
            int expected = keys.size() / buckets;
            for (int count : perBucket) {
                assertThat(count).as("keys of one lane per bucket of 64").isBetween(expected / 2, expected * 2);
            }
        }
    }
}
