package io.seqtrack.cli;

import static io.seqtrack.cli.ReplayCommandTest.counts;
import static io.seqtrack.cli.ReplayTestSupport.event;
import static io.seqtrack.cli.ReplayTestSupport.id;
import static io.seqtrack.cli.ReplayTestSupport.replay;
import static io.seqtrack.cli.ReplayTestSupport.user;
import static io.seqtrack.cli.ReplayTestSupport.write;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.seqtrack.cli.ReplayTestSupport.Outputs;
import io.seqtrack.cli.ReplayTestSupport.Result;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.service.SequenceTrackerService;
import io.seqtrack.processor.config.RegistryLoader;
import io.seqtrack.redis.RedisSequenceStore;
import io.seqtrack.redis.RedisStoreConfig;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code tracker replay --store redis://…} against a real {@code redis-server}, and competing replay processes. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReplayRedisTest {

    private static RedisProcess redis;

    @TempDir
    Path dir;

    /** Each test works under its own key prefix, so none sees another's aggregates. */
    private final String prefix = "replay-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void startRedis() {
        redis = RedisProcess.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void theSampleOnRedisGivesTheInMemoryVerdictsAndASecondReplayFindsEverythingCommitted() throws IOException {
        Path events = ReplayTestSupport.samples().resolve("events.jsonl");
        Outputs first = outputs("first");

        Result run = replay(events, first, redisArgs("--gap-timeout", "300ms"));

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode summary = first.summaryJson();
        assertThat(summary.get("store").asText()).isEqualTo(redis.uri());
        // received, processed, duplicates, reordered, buffered, parked, skippedGaps, dropped, rejected
        ReplayCommandTest.assertCounts(summary, 22L, 11L, 2L, 1L, 4L, 3L, 0L, 0L, 6L);
        assertThat(first.processedLines()).extracting(line -> line.get("eventId").asText())
                .containsExactlyInAnyOrder("e-01", "e-02", "e-03", "e-04", "e-05", "e-06", "e-07", "e-11", "e-15",
                        "e-16", "e-23");
        assertThat(first.parkedLines()).extracting(ReplayTestSupport::id)
                .containsExactlyInAnyOrder("company/c-1#3", "company/c-1#4", "user_account/u-3#4");
        assertThat(first.rejectedLines()).extracting(line -> line.get("line").asLong())
                .containsExactly(15L, 16L, 17L, 18L, 19L, 20L);

        Outputs second = outputs("second");
        Result again = replay(events, second, redisArgs("--gap-timeout", "300ms"));

        assertThat(again.exitCode()).as(again.err()).isZero();
        // the store remembers: only the disabled domain's events run again; what was committed is a duplicate even
        // in an aggregate blocked by parked events, and what was parked stays parked behind the block
        ReplayCommandTest.assertCounts(second.summaryJson(), 22L, 2L, 11L, 0L, 0L, 3L, 0L, 0L, 6L);
        assertThat(second.processedLines()).extracting(line -> line.get("domain").asText()).containsOnly("chat");
        assertThat(second.parkedLines()).extracting(ReplayTestSupport::id).containsExactlyInAnyOrder(
                "company/c-1#3", "company/c-1#4", "user_account/u-3#4");
        assertThat(second.parkedLines()).allSatisfy(p -> assertThat(p.get("reason").asText()).contains("blocked"));
    }

    @Test
    void gapPolicySkipOnRedisRecordsTheSkipAndHandlesTheWaitingEvents() {
        Path events = write(dir, "events.jsonl", user("u-1", 1), user("u-1", 3), user("u-1", 4));
        Outputs outputs = outputs("out");

        Result result = replay(events, outputs, redisArgs("--gap-timeout", "200ms", "--gap-policy", "skip"));

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(outputs.processedLines()).extracting(ReplayTestSupport::id)
                .containsExactly("user_account/u-1#1", "user_account/u-1#3", "user_account/u-1#4");
        assertThat(outputs.summaryJson().get("skippedGaps").asLong()).isEqualTo(1);
    }

    @Test
    void regressionBlocker3_aSummaryInAMissingDirectoryIsRefusedBeforeTheStoreIsTouched() {
        Path events = write(dir, "events.jsonl", user("u-1", 1), user("u-1", 2));
        Path missing = dir.resolve("missing-dir").resolve("s.json");

        Outputs outputs = outputs("out");
        Result result = replay(events, new Outputs(outputs.processed(), outputs.parked(), outputs.rejected(), missing),
                redisArgs());

        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.err()).contains("--summary " + missing).contains("does not exist");
        assertThat(redis.cli("--scan", "--pattern", prefix + "*")).as("keys under the run's prefix").isBlank();
    }

    @Test
    void anUnreachableStoreIsAClearFailureAndNoOutputIsWritten() {
        Path events = write(dir, "events.jsonl", user("u-1", 1));
        Outputs outputs = outputs("out");
        int closedPort = RedisProcess.freePort();

        Result result = replay(events, outputs, "--store", "redis://127.0.0.1:" + closedPort, "--timeout", "500ms");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).startsWith("tracker: ").contains(Integer.toString(closedPort));
        assertThat(result.out()).doesNotContain("done");
        assertThat(outputs.processed()).doesNotExist();
        assertThat(outputs.summary()).doesNotExist();
    }

    @Test
    void aStoreThatFailsMidRunFailsTheReplayNamingTheLine() throws IOException {
        // a first run creates the company aggregate's bucket; then its resting-state hash is replaced by a string,
        // so every later store call for it fails (WRONGTYPE) — deterministically, unlike killing the server
        Path setup = write(dir, "setup.jsonl", event("company", "c-1", 1));
        assertThat(replay(setup, outputs("setup"), redisArgs()).exitCode()).isZero();
        String key = redis.cli("--scan", "--pattern", prefix + ":{company:*}:r");
        assertThat(key).isNotBlank();
        redis.cli("SET", key, "not-a-hash");

        Path events = write(dir, "events.jsonl", user("u-1", 1), user("u-1", 2), event("company", "c-1", 2),
                user("u-1", 3));
        Outputs outputs = outputs("out");
        Result result = replay(events, outputs, redisArgs());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("replay failed at line 3 (company/c-1)").contains("outputs are incomplete");
        assertThat(result.out()).contains("FAILED");
        JsonNode summary = outputs.summaryJson();
        assertThat(summary.get("status").asText()).isEqualTo("failed");
        assertThat(summary.get("error").asText()).contains("line 3");
    }

    @Test
    void twoConcurrentReplayProcessesHandleEveryEventExactlyOnceInSequenceOrder() throws Exception {
        Generated generated = generate(new Random(42), 24, 25);
        Path events = dir.resolve("events.jsonl");
        Files.write(events, generated.lines(), StandardCharsets.UTF_8);

        List<Process> workers = new ArrayList<>();
        for (int w = 1; w <= 2; w++) {
            workers.add(startReplayProcess(events, w));
        }
        for (int w = 1; w <= 2; w++) {
            Process worker = workers.get(w - 1);
            assertThat(worker.waitFor(90, TimeUnit.SECONDS)).as("worker %d finished", w).isTrue();
            assertThat(worker.exitValue()).as("worker %d: %s", w, Files.readString(dir.resolve("err-" + w + ".txt")))
                    .isZero();
        }

        List<JsonNode> handled = new ArrayList<>();
        long processedInSummaries = 0;
        long linesProcessed = 0;
        for (int w = 1; w <= 2; w++) {
            List<JsonNode> lines = ReplayTestSupport.readLines(dir.resolve("processed-" + w + ".jsonl"));
            for (JsonNode line : lines) {
                assertThat(line.get("workerId").asText()).isEqualTo("worker-" + w);
            }
            handled.addAll(lines);
            JsonNode summary = ReplayTestSupport.MAPPER.readTree(dir.resolve("summary-" + w + ".json").toFile());
            processedInSummaries += summary.get("processed").asLong();
            assertThat(summary.get("rejected").asLong()).isEqualTo(generated.invalidLines());
            // issue 15, item 9: each worker read every line; each line is in exactly one fate
            Map<String, Long> fates = ReplayTestSupport.assertBalanced(summary);
            assertThat(summary.get("received").asLong()).isEqualTo(generated.lines().size());
            assertThat(fates).as("worker %d", w).containsEntry("rejected", generated.invalidLines())
                    .containsEntry("buffered", 0L).containsEntry("unfinished", 0L).containsEntry("parked", 0L)
                    .containsEntry("skipped", 0L).containsEntry("refused", 0L);
            linesProcessed += fates.get("processed");
        }
        Map<String, Long> times = handled.stream().collect(Collectors.groupingBy(ReplayTestSupport::id,
                Collectors.counting()));
        assertThat(times.keySet()).containsExactlyInAnyOrderElementsOf(generated.validEvents());
        assertThat(times).allSatisfy((event, count) -> assertThat(count).as(event).isEqualTo(1L));
        assertThat(processedInSummaries).isEqualTo(generated.validEvents().size());
        // a line handled by the worker that read it is one of its processed lines; an event handled by the other
        // worker from the shared buffer is not, so the lines processed are at most the events
        assertThat(linesProcessed).isPositive().isLessThanOrEqualTo(generated.validEvents().size());
        assertThat(handled).allSatisfy(line -> assertThat(line.get("eventId").asText()).isEqualTo(id(line)));

        Map<String, List<JsonNode>> perAggregate = handled.stream().collect(Collectors.groupingBy(
                line -> line.get("domain").asText() + "/" + line.get("aggregateId").asText()));
        perAggregate.forEach((aggregate, lines) -> {
            List<Long> handledAtInSequenceOrder = lines.stream()
                    .sorted(Comparator.comparingLong(line -> line.get("sequence").asLong()))
                    .map(line -> line.get("handledAt").asLong())
                    .toList();
            for (int i = 1; i < handledAtInSequenceOrder.size(); i++) {
                assertThat(handledAtInSequenceOrder.get(i)).as("%s handledAt of the %d. event", aggregate, i + 1)
                        .isGreaterThan(handledAtInSequenceOrder.get(i - 1));
            }
        });
    }

    /**
     * Issue 15, blocker 2: a replay killed with SIGKILL and rerun by a second worker left committed events in neither
     * processed file (the line was buffered when the commit landed) and a torn last line. The line is now written
     * whole before the commit, so every committed event is in the union of the two files.
     */
    @Test
    void regressionBlocker2_aReplayKilledMidRunAndARerunLeaveEveryCommittedEventInTheProcessedFiles()
            throws IOException {
        int aggregates = 40;
        int perAggregate = 50;
        List<String> lines = new ArrayList<>();
        for (int seq = 1; seq <= perAggregate; seq++) {
            for (int a = 0; a < aggregates; a++) {
                lines.add(user("u-" + a, seq));
            }
        }
        Path events = Files.write(dir.resolve("events.jsonl"), lines, StandardCharsets.UTF_8);
        // a short lease, so that the rerun takes over the claims the killed worker held
        Path domains = write(dir, "domains.yaml", "domains:", "  user_account:", "    leaseTtl: 1s",
                "    gapTimeout: 20s");
        Path first = dir.resolve("processed-1.jsonl");
        Path second = dir.resolve("processed-2.jsonl");

        try (TrackerProcess killed = TrackerProcess.start(dir, "worker-1", killArgs(events, domains, "worker-1",
                first, "--handler-delay", "2ms"))) {
            killed.awaitWhileRunning(() -> TrackerProcess.lineCount(first) >= 200, Duration.ofSeconds(60),
                    "200 events processed by worker-1");
            killed.signal("KILL");
            assertThat(killed.awaitExit(Duration.ofSeconds(30))).isEqualTo(128 + 9);
        }
        try (TrackerProcess rerun = TrackerProcess.start(dir, "worker-2", killArgs(events, domains, "worker-2",
                second))) {
            assertThat(rerun.awaitExit(Duration.ofSeconds(90))).as(rerun.err()).isZero();
        }

        List<JsonNode> firstLines = TrackerProcess.wholeLines(first);
        List<JsonNode> secondLines = TrackerProcess.wholeLines(second);
        assertThat(firstLines).as("worker-1 was killed mid-run").isNotEmpty().hasSizeLessThan(lines.size());
        Set<String> union = new java.util.HashSet<>();
        for (JsonNode line : concat(firstLines, secondLines)) {
            assertThat(line.get("fencingToken").asLong()).as("%s", line).isPositive();
            union.add(id(line));
        }
        DomainRegistry registry = RegistryLoader.load(domains);
        RedisStoreConfig config = RedisStoreConfig.builder().uri(redis.uri()).keyPrefix(prefix).build();
        List<String> committedButNotProcessed = new ArrayList<>();
        long committed = 0;
        try (RedisSequenceStore store = RedisSequenceStore.create(config)) {
            SequenceTrackerService tracker = new SequenceTrackerService(registry, store);
            for (int a = 0; a < aggregates; a++) {
                long last = tracker.lastCommitted(AggregateKey.of("user_account", "u-" + a));
                assertThat(last).as("u-%d: the rerun completed it", a).isEqualTo(perAggregate);
                for (long seq = 1; seq <= last; seq++) {
                    committed++;
                    if (!union.contains("user_account/u-" + a + "#" + seq)) {
                        committedButNotProcessed.add("u-" + a + "#" + seq);
                    }
                }
            }
        }
        assertThat(committed).isEqualTo(lines.size());
        assertThat(committedButNotProcessed).as("committed in the store, in neither processed file").isEmpty();
    }

    private List<String> killArgs(Path events, Path domains, String worker, Path processed, String... more) {
        List<String> args = new ArrayList<>(List.of("replay", "--events", events.toString(), "--domains",
                domains.toString(), "--store", redis.uri(), "--key-prefix", prefix, "--worker-id", worker,
                "--processed", processed.toString(), "--summary", dir.resolve(worker + "-summary.json").toString()));
        args.addAll(List.of(more));
        return args;
    }

    private static List<JsonNode> concat(List<JsonNode> a, List<JsonNode> b) {
        List<JsonNode> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    // ------------------------------------------------------------------ helpers

    private Outputs outputs(String name) {
        Path sub = dir.resolve(name);
        try {
            Files.createDirectories(sub);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return Outputs.in(sub);
    }

    private String[] redisArgs(String... more) {
        return Stream.concat(Stream.of("--store", redis.uri(), "--key-prefix", prefix), Stream.of(more))
                .toArray(String[]::new);
    }

    /** A replay in its own JVM, as an operator would start a second worker. */
    private Process startReplayProcess(Path events, int worker) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                TrackerCli.class.getName(), "replay", "--events", events.toString(),
                "--store", redis.uri(), "--key-prefix", prefix, "--worker-id", "worker-" + worker,
                "--processed", dir.resolve("processed-" + worker + ".jsonl").toString(),
                "--summary", dir.resolve("summary-" + worker + ".json").toString()));
        return new ProcessBuilder(command)
                .redirectOutput(dir.resolve("out-" + worker + ".txt").toFile())
                .redirectError(dir.resolve("err-" + worker + ".txt").toFile())
                .start();
    }

    /** The lines of a generated file, the events among them that are valid, and how many are not. */
    private record Generated(List<String> lines, Set<String> validEvents, long invalidLines) {
    }

    /**
     * {@code aggregates} aggregates of two tracked domains with {@code perAggregate} events each, interleaved at
     * random; within an aggregate, neighbours swapped now and then (out of order) and events repeated (duplicates);
     * a few invalid lines in between. No gap stays open: every missing sequence comes a line or two later.
     */
    private static Generated generate(Random random, int aggregates, int perAggregate) {
        List<List<String>> streams = new ArrayList<>();
        Set<String> valid = new LinkedHashSet<>();
        for (int a = 0; a < aggregates; a++) {
            String domain = a % 3 == 0 ? "company" : "user_account";
            String aggregateId = (a % 3 == 0 ? "c-" : "u-") + a;
            List<String> stream = new ArrayList<>();
            for (long seq = 1; seq <= perAggregate; seq++) {
                stream.add(event(domain, aggregateId, seq));
                valid.add(domain + "/" + aggregateId + "#" + seq);
                if (random.nextInt(10) == 0) {
                    stream.add(event(domain, aggregateId, seq)); // redelivered
                }
            }
            for (int i = 0; i + 1 < stream.size(); i++) {
                if (random.nextInt(5) == 0) {
                    Collections.swap(stream, i, i + 1);
                    i++;
                }
            }
            streams.add(stream);
        }
        List<Iterator<String>> remaining = new ArrayList<>();
        streams.forEach(stream -> remaining.add(stream.iterator()));
        List<String> lines = new ArrayList<>();
        long invalid = 0;
        while (!remaining.isEmpty()) {
            int pick = random.nextInt(remaining.size());
            lines.add(remaining.get(pick).next());
            if (!remaining.get(pick).hasNext()) {
                remaining.remove(pick);
            }
            if (random.nextInt(100) == 0) {
                lines.add("{\"domain\":\"user_account\",\"aggregateId\":\"u-x\",\"sequence\":\"soon\"}");
                invalid++;
            }
        }
        return new Generated(lines, valid, invalid);
    }
}
