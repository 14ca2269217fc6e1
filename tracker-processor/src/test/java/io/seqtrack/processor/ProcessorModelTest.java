package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The model-based scenario on the in-memory store and buffer, several seeds, two and three competing workers. */
class ProcessorModelTest {

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void competingWorkersHandleEveryEventOnceInOrderOrParkOrSkipItAsThePoliciesSay(long seed) {
        try (ProcessorHarness harness = new ProcessorHarness(ModelScenario.registry())) {
            int checked = new ModelScenario(seed, 6, 25, seed % 2 == 0 ? 2 : 3).run(harness);
            assertThat(checked).isPositive();
        }
    }

    /**
     * The same model with the lanes left to fill up (they run after about one in fifty submissions), so steps carry
     * batches of many aggregates: claims, presence probes, handlers and commits of a batch, and a failed batch split up.
     */
    @ParameterizedTest(name = "seed {0}, batch handler {1}")
    @CsvSource({"31, false", "32, false", "33, false", "34, true", "35, true", "36, true", "39, true", "38, false"})
    void largeLaneBatchesKeepTheModel(long seed, boolean batchHandler) {
        try (ProcessorHarness harness = new ProcessorHarness(ModelScenario.registry())) {
            int checked = new ModelScenario(seed, 24, 20, seed % 2 == 0 ? 2 : 3, 50, batchHandler).run(harness);
            assertThat(checked).isPositive();
            if (batchHandler) {
                assertThat(harness.batchSizes).as("batches of several aggregates were committed").anyMatch(n -> n > 1);
            }
        }
    }
}
