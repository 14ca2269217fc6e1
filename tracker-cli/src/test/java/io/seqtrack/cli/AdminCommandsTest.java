package io.seqtrack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.redis.testsupport.RedisProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** inspect, parked list | replay | skip and reset against a real Redis that a replay left parked events in. */
@Timeout(120)
class AdminCommandsTest {

    private static RedisProcess redis;

    @BeforeAll
    static void start() {
        redis = RedisProcess.start();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    private record Run(int exit, String out, String err) {
    }

    /** The CLI in this JVM ({@link ReplayTestSupport#tracker}), its answer under shorter names. */
    private static Run tracker(String... args) {
        ReplayTestSupport.Result result = ReplayTestSupport.tracker(args);
        return new Run(result.exitCode(), result.out(), result.err());
    }

    private static String[] withStore(String prefix, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--store", redis.uri(), "--key-prefix", prefix));
        return all.toArray(String[]::new);
    }

    @Test
    void operatorInspectsReplaysSkipsAndResetsParkedEvents(@TempDir Path dir) throws Exception {
        Path events = dir.resolve("events.jsonl");
        Files.writeString(events, String.join("\n",
                "{\"eventId\":\"e1\",\"domain\":\"user_account\",\"aggregateId\":\"u-1\",\"sequence\":1,\"type\":\"A\"}",
                "{\"eventId\":\"e3\",\"domain\":\"user_account\",\"aggregateId\":\"u-1\",\"sequence\":3,\"type\":\"C\"}",
                "{\"eventId\":\"e4\",\"domain\":\"user_account\",\"aggregateId\":\"u-1\",\"sequence\":4,\"type\":\"D\"}",
                ""));
        Run replay = tracker(withStore("admin", "replay", "--events", events.toString(), "--gap-timeout", "100ms",
                "--gap-policy", "park"));
        assertThat(replay.exit()).as(replay.err()).isZero();

        Run inspect = tracker(withStore("admin", "inspect", "user_account", "u-1"));
        assertThat(inspect.exit()).as(inspect.err()).isZero();
        assertThat(inspect.out()).contains("last committed  1").contains("parked          2").contains("#3").contains("#4");

        Run list = tracker(withStore("admin", "parked", "list"));
        assertThat(list.out()).contains("user_account/u-1: 2 parked").contains("2 parked event(s)");

        // #2 will never come: the operator declares it done and replays what waited behind it
        Run reset = tracker(withStore("admin", "reset", "user_account", "u-1", "2"));
        assertThat(reset.exit()).as(reset.err()).isZero();
        Path processed = dir.resolve("replayed.jsonl");
        Run replayParked = tracker(withStore("admin", "parked", "replay", "user_account", "u-1", "--processed",
                processed.toString()));
        assertThat(replayParked.exit()).as(replayParked.err()).isZero();
        assertThat(replayParked.err()).contains("audit: replay-parked user_account/u-1");
        assertThat(Files.readAllLines(processed)).hasSize(2).allMatch(l -> l.contains("\"workerId\":\"tracker-admin\""));
        assertThat(tracker(withStore("admin", "inspect", "user_account", "u-1")).out())
                .contains("last committed  4").contains("parked          0");
    }

    /**
     * Invariant 10 from the CLI: a reset of an aggregate a worker holds revokes the claim at once (the worker's commit
     * is fenced), says so, and acts once the claim has expired — here a 300 ms lease, waited out for real.
     */
    @Test
    void resettingAnAggregateAWorkerHoldsRevokesTheClaimSaysSoAndWaitsItOut() {
        io.seqtrack.core.domain.AggregateKey key = io.seqtrack.core.domain.AggregateKey.of("user_account", "held");
        try (io.seqtrack.redis.RedisSequenceStore worker = io.seqtrack.redis.RedisSequenceStore.create(
                io.seqtrack.redis.RedisStoreConfig.builder().uri(redis.uri()).keyPrefix("held").build())) {
            worker.advance(key, 4, io.seqtrack.core.domain.TrackingMode.MONOTONIC);
            io.seqtrack.core.port.out.ClaimResult claim = worker.claim(key, 5,
                    io.seqtrack.core.domain.TrackingMode.STRICT, "worker-1", java.time.Duration.ofMillis(300));
            Run reset = tracker(withStore("held", "reset", "user_account", "held", "2"));
            assertThat(reset.exit()).as(reset.err()).isZero();
            assertThat(reset.err()).contains("claimed by worker-1 (sequence 5)").contains("revoking the claim");
            assertThat(worker.commit(key, 5, claim.fencingToken()))
                    .isEqualTo(io.seqtrack.core.port.out.CommitResult.CLAIM_LOST);
            assertThat(worker.read(key).lastCommitted()).isEqualTo(2);
            assertThat(worker.read(key).claim()).isEmpty();
        }
    }

    @Test
    void skippingAParkedEventThatIsNextAdvancesOverItAndRecordsIt(@TempDir Path dir) throws Exception {
        Path events = dir.resolve("events.jsonl");
        Files.writeString(events, String.join("\n",
                "{\"domain\":\"company\",\"aggregateId\":\"c-1\",\"sequence\":2}",
                ""));
        assertThat(tracker(withStore("skip", "replay", "--events", events.toString(), "--gap-timeout", "100ms",
                "--gap-policy", "park")).exit()).isZero();
        assertThat(tracker(withStore("skip", "parked", "skip", "company", "c-1", "7")).exit())
                .as("not parked: refused").isEqualTo(1);
        assertThat(tracker(withStore("skip", "reset", "company", "c-1", "1")).exit()).isZero();
        Run skip = tracker(withStore("skip", "parked", "skip", "company", "c-1", "2"));
        assertThat(skip.exit()).as(skip.err()).isZero();
        String after = tracker(withStore("skip", "inspect", "company", "c-1")).out();
        assertThat(after).contains("last committed  2").contains("parked          0").contains("#2..#2");
    }

    /**
     * Issue 11, #4: data an application wrote with buckets(1024). The CLI could not be told the bucket count; it used
     * to read last = 0 and reset or inspect the wrong hash. It adopts the layout recorded in Redis.
     */
    @Test
    void adminCommandsAdoptTheLayoutRecordedByTheApplication() {
        io.seqtrack.redis.RedisStoreConfig config = io.seqtrack.redis.RedisStoreConfig.builder().uri(redis.uri())
                .keyPrefix("app1024").buckets(1024).build();
        io.seqtrack.core.domain.AggregateKey key = io.seqtrack.core.domain.AggregateKey.of("user_account", "u-3");
        try (io.seqtrack.redis.RedisSequenceStore app = io.seqtrack.redis.RedisSequenceStore.create(config)) {
            app.advance(key, 1, io.seqtrack.core.domain.TrackingMode.STRICT);
            app.advance(key, 2, io.seqtrack.core.domain.TrackingMode.STRICT);
        }
        assertThat(tracker(withStore("app1024", "inspect", "user_account", "u-3")).out()).contains("last committed  2");
        assertThat(tracker(withStore("app1024", "reset", "user_account", "u-3", "1")).exit()).isZero();
        try (io.seqtrack.redis.RedisSequenceStore app = io.seqtrack.redis.RedisSequenceStore.create(config)) {
            assertThat(app.read(key).lastCommitted()).as("the reset reached the application's data").isEqualTo(1);
        }
    }

    /** Data written before seqtrack recorded layouts: refused (exit 2) until --buckets says how it was written. */
    @Test
    void dataWithoutALayoutRecordNeedsBuckets() {
        io.seqtrack.redis.RedisStoreConfig config = io.seqtrack.redis.RedisStoreConfig.builder().uri(redis.uri())
                .keyPrefix("legacy").buckets(1024).build();
        io.seqtrack.core.domain.AggregateKey key = io.seqtrack.core.domain.AggregateKey.of("user_account", "u-3");
        try (io.seqtrack.redis.RedisSequenceStore app = io.seqtrack.redis.RedisSequenceStore.create(config)) {
            app.advance(key, 1, io.seqtrack.core.domain.TrackingMode.STRICT);
        }
        redis.cli("DEL", "legacy:layout"); // as an older seqtrack left it
        Run refused = tracker(withStore("legacy", "inspect", "user_account", "u-3"));
        assertThat(refused.exit()).as(refused.err()).isEqualTo(2);
        assertThat(refused.err()).contains("no layout is recorded under prefix 'legacy'").contains("--buckets");
        Run told = tracker(withStore("legacy", "inspect", "user_account", "u-3", "--buckets", "1024"));
        assertThat(told.exit()).as(told.err()).isZero();
        assertThat(told.out()).contains("last committed  1");
    }

    /**
     * Issue 15, blocker 5: {@code tracker reset user_account u-3 4} defaulted to the in-memory store, printed "last
     * committed set to 4" with exit 0 and changed nothing anywhere. Every admin command requires {@code --store}.
     */
    @ParameterizedTest
    @ValueSource(strings = {"inspect user_account u-3", "parked list", "parked replay user_account u-3",
        "parked skip user_account u-3 4", "reset user_account u-3 4"})
    void regressionBlocker5_everyAdminCommandRequiresStore(String command) {
        Run without = tracker(command.split(" "));

        assertThat(without.exit()).as(without.err()).isEqualTo(2);
        assertThat(without.err()).contains("tracker: " + command.split(" (user_account|4)")[0].trim()
                + " needs --store URI");
        assertThat(without.out()).doesNotContain("set to");

        Run memory = tracker((command + " --store memory").split(" "));

        assertThat(memory.exit()).as(memory.err()).isEqualTo(2);
        assertThat(memory.err()).contains("needs a Redis store");
    }

    @Test
    void regressionItem7_aNegativeResetTargetIsBadUsageNamingTheLowestValue() {
        Run reset = tracker(withStore("negative", "reset", "user_account", "u-1", "-5"));

        assertThat(reset.exit()).as(reset.err()).isEqualTo(2);
        assertThat(reset.err()).contains("LAST must be at least 0").contains("was -5")
                .doesNotContain("invalid event");
        assertThat(redis.cli("--scan", "--pattern", "negative:*")).doesNotContain("{user_account");
    }

    @Test
    void regressionItem7_anInvalidStoreUriIsBadUsage() {
        Run inspect = tracker("inspect", "user_account", "u-1", "--store", "redis://:x:y@/");

        assertThat(inspect.exit()).as(inspect.err()).isEqualTo(2);
        assertThat(inspect.err()).startsWith("tracker: --store");
    }

    @Test
    void badUsageExitsTwoAndAnUnreachableStoreExitsOne() {
        assertThat(tracker("inspect", "user_account").exit()).isEqualTo(2);
        assertThat(tracker("reset", "user_account", "u-1", "not-a-number").exit()).isEqualTo(2);
        Run unreachable = tracker("inspect", "user_account", "u-1", "--store",
                "redis://127.0.0.1:" + RedisProcess.freePort());
        assertThat(unreachable.exit()).isEqualTo(1);
        assertThat(unreachable.err()).contains("tracker:").contains("127.0.0.1");
    }
}
