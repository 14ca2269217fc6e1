package io.seqtrack.kafka;

/**
 * Receives the runner's {@link KafkaRunnerEvent}s, on the poll thread (inside {@code poll}, for commits and
 * rebalances): keep it quick and never call the consumer from it.
 */
@FunctionalInterface
public interface KafkaRunnerListener {

    void on(KafkaRunnerEvent event);
}
