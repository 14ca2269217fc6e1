package io.seqtrack.benchmarks;

import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * How docs/benchmarks.md measures {@link KafkaAdapterBenchmark} without a broker of one's own: the smoke test's in-JVM
 * one-node KRaft broker, then JMH in the same JVM (no fork), all modes one after the other, and the ratios to
 * {@code bare}. Not a test (surefire does not run it); run it on the test classpath:
 *
 * <pre>
 * java -cp "$(cat cp.txt):tracker-benchmarks/target/classes:tracker-benchmarks/target/test-classes" \
 *     -Dwarmups=2 -Diterations=5 -Dseconds=2 -Dmodes=bare,runner,runner-redis \
 *     io.seqtrack.benchmarks.KafkaAdapterMeasurement
 * </pre>
 *
 * {@code -Dseqtrack.kafka.events=200000} measures a longer topic (the printed events/s are rescaled to it).
 *
 * The broker shares the JVM and the cores with the consumer: the figures are only comparable within one run.
 */
public final class KafkaAdapterMeasurement {

    private KafkaAdapterMeasurement() {
    }

    public static void main(String[] args) throws Exception {
        int warmups = Integer.getInteger("warmups", 2);
        int iterations = Integer.getInteger("iterations", 5);
        int seconds = Integer.getInteger("seconds", 2);
        String[] modes = System.getProperty("modes", "bare,runner,runner-redis").split(",");
        try (KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                // KIP-848 groups (-Dseqtrack.kafka.groupProtocol=consumer): assignments within 100 ms, not 5 s
                .setConfigProp("group.consumer.min.heartbeat.interval.ms", "100")
                .setConfigProp("group.consumer.heartbeat.interval.ms", "100").build()) {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            System.setProperty(KafkaAdapterBenchmark.BOOTSTRAP_PROPERTY, cluster.bootstrapServers());
            Options options = new OptionsBuilder()
                    .include("^" + KafkaAdapterBenchmark.class.getName() + "\\.")
                    .param("consumer", modes)
                    .forks(0).threads(1).warmupIterations(warmups).warmupTime(TimeValue.seconds(seconds))
                    .measurementIterations(iterations).measurementTime(TimeValue.seconds(seconds))
                    .shouldFailOnError(true).build();
            Map<String, Double> scores = new TreeMap<>();
            double scale = Integer.getInteger(KafkaAdapterBenchmark.EVENTS_PROPERTY, KafkaAdapterBenchmark.EVENTS)
                    / (double) KafkaAdapterBenchmark.EVENTS; // JMH counts EVENTS per invocation, whatever the topic
            for (RunResult result : new Runner(options).run()) {
                scores.put(result.getParams().getParam("consumer"), result.getPrimaryResult().getScore() * scale);
            }
            Double bare = scores.get("bare");
            scores.forEach((mode, score) -> System.out.printf("%-14s %10.0f events/s%s%n", mode, score,
                    bare == null ? "" : String.format("  %.2fx of bare", score / bare)));
        }
    }
}
