package io.seqtrack.examples.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the Kafka example against a real one-node KRaft broker in the test JVM. */
@Timeout(120)
class KafkaConsumerExampleTest {

    @Test
    void everyAccountSeesEachOfItsEventsOnceInOrder_theProducersCopiesNever() throws Exception {
        try (KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0").build()) {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            try (Admin admin = cluster.admin()) {
                admin.createTopics(List.of(new NewTopic("accounts", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            Map<String, List<Long>> seen = KafkaConsumerExample.run(cluster.bootstrapServers(), "accounts", "example",
                    new PrintStream(printed, true, StandardCharsets.UTF_8));

            assertThat(seen).hasSize(KafkaConsumerExample.ACCOUNTS);
            seen.values().forEach(sequences -> assertThat(sequences).containsExactly(1L, 2L, 3L, 4L, 5L));
            assertThat(printed.toString(StandardCharsets.UTF_8)).contains("acc-0 [1, 2, 3, 4, 5]");
        }
    }
}
