package io.seqtrack.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The CI smoke pass of {@link KafkaAdapterBenchmark}: one short iteration of both modes in-process against a one-node
 * KRaft broker in the test JVM. It keeps the benchmark compiling and runnable; the numbers mean nothing.
 */
class KafkaBenchmarkSmokeTest {

    @Test
    @Timeout(120)
    void theAdapterAndTheBareLoopBothConsumeTheTopic() throws Exception {
        try (KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0").build()) {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            System.setProperty(KafkaAdapterBenchmark.BOOTSTRAP_PROPERTY, cluster.bootstrapServers());
            Map<String, Double> scores = new TreeMap<>();
            try {
                Options options = new OptionsBuilder()
                        .include("^" + KafkaAdapterBenchmark.class.getName() + "\\.")
                        .forks(0).threads(1).warmupIterations(0).measurementIterations(1)
                        .measurementTime(TimeValue.milliseconds(200))
                        .shouldFailOnError(true).verbosity(VerboseMode.SILENT).build();
                for (RunResult result : new Runner(options).run()) {
                    scores.put(result.getParams().getParam("consumer"), result.getPrimaryResult().getScore());
                }
            } finally {
                System.clearProperty(KafkaAdapterBenchmark.BOOTSTRAP_PROPERTY);
            }
            System.out.println("kafka smoke scores (events/s): " + scores);
            assertThat(scores).containsOnlyKeys("bare", "runner", "runner-redis")
                    .allSatisfy((mode, score) -> assertThat(score).as(mode).isPositive());
        }
    }
}
