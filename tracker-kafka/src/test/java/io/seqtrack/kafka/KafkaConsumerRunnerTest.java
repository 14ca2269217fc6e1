package io.seqtrack.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.inmemory.InMemorySequenceStore;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The runner against a real broker (KRaft, in this JVM), the processor on the in-memory store: each scenario is
 * checked end to end by {@link RunCheck} over the handler history, and by the group's committed offsets.
 */
@Timeout(90)
class KafkaConsumerRunnerTest {

    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void everyEventIsHandledOnceInOrderAndEveryOffsetCommitted() throws Exception {
        try (Scenario s = new Scenario(broker, "ordered", 3, InMemorySequenceStore.create())) {
            s.produce(s.orderedStream(12, 20));
            s.startWorker("w1", (worker, event, ctx) -> { });
            s.awaitDone(Duration.ofSeconds(60));
            s.check();
            assertThat(s.history.count(e -> e.type() == 'S')).isEqualTo(12 * 20);
        }
    }
}
