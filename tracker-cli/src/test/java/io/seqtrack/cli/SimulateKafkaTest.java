package io.seqtrack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code tracker simulate --source kafka} against a real one-node KRaft broker in the test JVM. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SimulateKafkaTest {

    private static KafkaClusterTestKit cluster;

    @BeforeAll
    static void startBroker() throws Exception {
        cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1)
                .setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0").build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theSyntheticStreamThroughAKafkaTopicPassesTheSameVerification_andTheTopicIsGoneAfterwards() throws Exception {
        Result result = simulate("--source", "kafka", "--bootstrap-servers", cluster.bootstrapServers(),
                "--partitions", "3", "--aggregates", "100", "--events-per-aggregate", "20", "--gap-timeout", "100ms");

        assertThat(result.exitCode).as(result.toString()).isZero();
        assertThat(result.out).contains("events through Kafka topic seqtrack-simulate-").contains("(3 partitions)");
        assertThat(result.out.strip()).endsWith("verification: PASSED");
        try (Admin admin = cluster.admin()) {
            Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            assertThat(topics).noneMatch(t -> t.startsWith("seqtrack-simulate-"));
        }
    }

    @Test
    void kafkaWithoutBootstrapServersIsABadUsageNamingTheOption() {
        Result result = simulate("--source", "kafka");

        assertThat(result.exitCode).isEqualTo(2);
        assertThat(result.err).contains("--source kafka needs --bootstrap-servers");
    }

    private record Result(int exitCode, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n" + out + "\n" + err;
        }
    }

    private static Result simulate(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 1];
        all[0] = "simulate";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = TrackerCli.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
