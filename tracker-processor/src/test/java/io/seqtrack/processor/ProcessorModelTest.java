package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
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
}
