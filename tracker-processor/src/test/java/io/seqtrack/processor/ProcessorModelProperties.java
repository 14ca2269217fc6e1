package io.seqtrack.processor;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The model-based scenario as a jqwik property: jqwik picks the stream (through the seed), its size and the number of
 * competing workers, and shrinks a failure to the smallest stream that still breaks the model. Virtual time, so a
 * hundred tries take a few seconds.
 */
class ProcessorModelProperties {

    @Property(tries = 100)
    void anyStreamIsHandledOnceInOrderOrParkedOrSkippedAsThePoliciesSay(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 5) int aggregates, @ForAll @IntRange(min = 1, max = 30) int events,
            @ForAll @IntRange(min = 1, max = 3) int workers, @ForAll @IntRange(min = 1, max = 60) int runEvery,
            @ForAll boolean batchHandler) {
        try (ProcessorHarness harness = new ProcessorHarness(ModelScenario.registry())) {
            // asserts against the model; runEvery decides how large the lanes' batches grow
            new ModelScenario(seed, aggregates, events, workers, runEvery, batchHandler).run(harness);
        }
    }
}
