package io.seqtrack.streams;

/** Receives a {@link StreamsConsumerRunner}'s events, on its threads: keep it quick. */
@FunctionalInterface
public interface StreamsRunnerListener {

    void on(StreamsRunnerEvent event);
}
