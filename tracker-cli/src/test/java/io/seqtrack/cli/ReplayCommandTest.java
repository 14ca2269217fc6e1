package io.seqtrack.cli;

import static io.seqtrack.cli.ReplayTestSupport.event;
import static io.seqtrack.cli.ReplayTestSupport.id;
import static io.seqtrack.cli.ReplayTestSupport.replay;
import static io.seqtrack.cli.ReplayTestSupport.tracker;
import static io.seqtrack.cli.ReplayTestSupport.user;
import static io.seqtrack.cli.ReplayTestSupport.write;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.seqtrack.cli.ReplayTestSupport.Outputs;
import io.seqtrack.cli.ReplayTestSupport.Result;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code tracker replay} on the in-memory store (virtual time: gap timeouts cost nothing). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ReplayCommandTest {

    @TempDir
    Path dir;

    // ------------------------------------------------------------------ verdicts

    @Test
    void inOrderEventsAreProcessedInFileOrderEchoingTheInputWithWorkerIdAndHandledAt() {
        Path events = write(dir, "events.jsonl", user("u-1", 1), user("u-2", 1), user("u-1", 2), user("u-1", 3));
        Outputs outputs = Outputs.in(dir);

        Result result = replay(events, outputs, "--worker-id", "w-test");

        assertThat(result.exitCode()).as(result.err()).isZero();
        List<JsonNode> processed = outputs.processedLines();
        assertThat(processed).extracting(ReplayTestSupport::id)
                .containsExactly("user_account/u-1#1", "user_account/u-2#1", "user_account/u-1#2", "user_account/u-1#3");
        JsonNode first = processed.get(0);
        assertThat(first.get("eventId").asText()).isEqualTo("user_account/u-1#1");
        assertThat(first.get("type").asText()).isEqualTo("Changed");
        assertThat(first.get("payload").get("note").asText()).isEqualTo("of u-1");
        assertThat(first.get("workerId").asText()).isEqualTo("w-test");
        long nowMicros = JsonLines.nowMicros();
        assertThat(processed).allSatisfy(line -> assertThat(line.get("handledAt").asLong())
                .isBetween(nowMicros - 60_000_000L, nowMicros));
        assertThat(processed).extracting(line -> line.get("handledAt").asLong()).isSorted();
        assertThat(outputs.parkedLines()).isEmpty();
        assertThat(outputs.rejectedLines()).isEmpty();
    }

    @Test
    void aDuplicateIsCountedAndNotHandledAgain() {
        Path events = write(dir, "events.jsonl", user("u-1", 1), user("u-1", 2), user("u-1", 2), user("u-1", 1));
        Outputs outputs = Outputs.in(dir);

        Result result = replay(events, outputs);

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(outputs.processedLines()).extracting(ReplayTestSupport::id)
                .containsExactly("user_account/u-1#1", "user_account/u-1#2");
        JsonNode summary = outputs.summaryJson();
        assertThat(summary.get("received").asLong()).isEqualTo(4);
        assertThat(summary.get("processed").asLong()).isEqualTo(2);
        assertThat(summary.get("duplicates").asLong()).isEqualTo(2);
        assertThat(summary.get("buffered").asLong()).isZero();
    }

    @Test
    void anEarlyEventWaitsForItsPredecessorAndIsHandledAfterItEchoingItsOwnInput() {
        String early = "{\"eventId\":\"late-bloomer\",\"domain\":\"user_account\",\"aggregateId\":\"u-1\",\"sequence\":3,"
                + "\"type\":\"NameChanged\",\"payload\":{\"name\":\"Ada\"},\"extra\":[1,2]}";
        Path events = write(dir, "events.jsonl", user("u-1", 1), early, user("u-1", 2), user("u-2", 1));
        Outputs outputs = Outputs.in(dir);

        Result result = replay(events, outputs);

        assertThat(result.exitCode()).as(result.err()).isZero();
        List<JsonNode> processed = outputs.processedLines();
        assertThat(processed).extracting(ReplayTestSupport::id).containsExactly("user_account/u-1#1",
                "user_account/u-1#2", "user_account/u-1#3", "user_account/u-2#1");
        JsonNode reordered = processed.get(2);
        assertThat(reordered.get("eventId").asText()).isEqualTo("late-bloomer");
        assertThat(reordered.get("payload").get("name").asText()).isEqualTo("Ada");
        assertThat(reordered.get("extra").toString()).isEqualTo("[1,2]");
        JsonNode summary = outputs.summaryJson();
        assertThat(summary.get("processed").asLong()).isEqualTo(4);
        assertThat(summary.get("buffered").asLong()).isEqualTo(1);
        assertThat(summary.get("reordered").asLong()).isEqualTo(1);
        assertThat(result.out()).contains("(1 after waiting for a predecessor)");
    }

    /**
     * Copies of one event that waits in the buffer (same id, different input objects): the copy is a duplicate, and the
     * line written when the event is finally handled, or parked, echoes the first copy's input object, extra fields
     * included — the processor carries each submission's input to the handler and the Parked event.
     */
    @Test
    void copiesOfAWaitingEventAreDuplicatesAndTheHandledOrParkedLineEchoesTheFirstCopy() {
        String copy = "{\"eventId\":\"%s#3\",\"domain\":\"user_account\",\"aggregateId\":\"%s\",\"sequence\":3,"
                + "\"copy\":%d}";
        Path events = write(dir, "events.jsonl", user("u-1", 1), String.format(copy, "u-1", "u-1", 1),
                String.format(copy, "u-1", "u-1", 2), user("u-2", 1), String.format(copy, "u-2", "u-2", 1),
                String.format(copy, "u-2", "u-2", 2), user("u-1", 2)); // u-2 #2 never comes: its #3 is parked
        Outputs outputs = Outputs.in(dir);

        Result result = replay(events, outputs, "--gap-timeout", "50ms", "--gap-policy", "park");

        assertThat(result.exitCode()).as(result.err()).isZero();
        List<JsonNode> processed = outputs.processedLines();
        assertThat(processed).extracting(ReplayTestSupport::id).containsExactly("user_account/u-1#1",
                "user_account/u-2#1", "user_account/u-1#2", "user_account/u-1#3");
        assertThat(processed.get(3).get("copy").asInt()).isEqualTo(1);
        assertThat(processed.get(3).get("eventId").asText()).isEqualTo("u-1#3");
        assertThat(outputs.parkedLines()).singleElement().satisfies(parked -> {
            assertThat(ReplayTestSupport.id(parked)).isEqualTo("user_account/u-2#3");
            assertThat(parked.get("copy").asInt()).isEqualTo(1);
            assertThat(parked.get("reason").asText()).contains("gap #2..2");
        });
        assertThat(ReplayTestSupport.assertBalanced(outputs.summaryJson())).containsEntry("processed", 4L)
                .containsEntry("duplicate", 2L).containsEntry("parked", 1L);
    }

    @Test
    void aDisabledDomainPassesEventsThroughWithoutSequences() {
        String message = "{\"eventId\":\"m-%d\",\"domain\":\"chat\",\"aggregateId\":\"room-1\",\"type\":\"Posted\"}";
        Path events = write(dir, "events.jsonl", String.format(message, 1), String.format(message, 2),
                event("chat", "room-1", 7), event("chat", "room-1", 7));
        Outputs outputs = Outputs.in(dir);

        Result result = replay(events, outputs);

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(outputs.processedLines()).extracting(line -> line.get("eventId").asText())
                .containsExactly("m-1", "m-2", "chat/room-1#7", "chat/room-1#7");
        assertThat(outputs.summaryJson().get("duplicates").asLong()).isZero();
    }

    @Test
    void aDomainNumberedByAggregateVersionFromZeroReadsAggregateVersion() {
        Path domains = write(dir, "domains.yaml", "domains:", "  orders:", "    sequenceSource: aggregate_version",
                "    firstSequence: 0");
        String line = "{\"eventId\":\"o-%d\",\"domain\":\"orders\",\"aggregateId\":\"o-1\",\"aggregateVersion\":%d}";
        Path events = write(dir, "events.jsonl", String.format(line, 0, 0), String.format(line, 2, 2),
                String.format(line, 1, 1), String.format(line, 1, 1), event("orders", "o-2", 0));
        Outputs outputs = Outputs.in(dir);

        Result result = replay(events, outputs, "--domains", domains.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(outputs.processedLines()).extracting(ReplayTestSupport::id)
                .containsExactly("orders/o-1#0", "orders/o-1#1", "orders/o-1#2");
        assertThat(outputs.rejectedLines()).singleElement().satisfies(r -> {
            assertThat(r.get("line").asLong()).isEqualTo(5);
            assertThat(r.get("error").asText()).contains("aggregateVersion").contains("missing");
        });
        assertThat(outputs.summaryJson().get("duplicates").asLong()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ item 9: the summary balances

    /**
     * Issue 15, item 9: duplicates of buffered events were counted as buffered, and lines were in no category. Each
     * line is now counted once, at its fate: a copy of an event waiting in the buffer is a duplicate.
     */
    @Test
    void regressionItem9_duplicatesOfBufferedEventsAreDuplicatesAndEveryLineIsCountedOnce() {
        Path events = write(dir, "events.jsonl", user("u-1", 1), user("u-1", 3), user("u-1", 3), user("u-1", 4),
                user("u-1", 2), user("u-1", 2), user("u-1", 4), "not json");
        Outputs outputs = Outputs.in(dir);

        Result result = replay(events, outputs);

        assertThat(result.exitCode()).as(result.err()).isZero();
        JsonNode summary = outputs.summaryJson();
        Map<String, Long> lines = ReplayTestSupport.assertBalanced(summary);
        assertThat(lines).containsEntry("processed", 4L).containsEntry("duplicate", 3L).containsEntry("rejected", 1L)
                .containsEntry("buffered", 0L).containsEntry("parked", 0L).containsEntry("unfinished", 0L);
        assertThat(summary.get("received").asLong()).isEqualTo(8);
        assertThat(summary.get("buffered").asLong()).as("events buffered, not lines").isEqualTo(2);
        assertThat(summary.get("duplicates").asLong()).isEqualTo(3);
        assertThat(summary.get("reordered").asLong()).isEqualTo(2);
        assertThat(outputs.processedLines()).hasSize(4);
        assertThat(result.out()).containsPattern("received +8 line")
                .containsPattern("processed +4 ").containsPattern("duplicate +3 ").containsPattern("rejected +1 ");
    }

    /** Parks, drops (gap policy FAIL) and copies of parked or dropped events: still every line once. */
    @Test
    void regressionItem9_aRunWithParksAndDropsBalances() {
        Path domains = write(dir, "domains.yaml", "domains:",
                "  user_account:", "    gapTimeout: 1s", "    gapPolicy: park",
                "  company:", "    gapTimeout: 1s", "    gapPolicy: fail",
                "  chat:", "    mode: disabled");
        Path events = write(dir, "events.jsonl",
                user("u-1", 1), user("u-1", 3), user("u-1", 4), user("u-1", 3),      // #2 never comes: 3, 4 parked
                event("company", "c-1", 1), event("company", "c-1", 3), event("company", "c-1", 3), // #3 dropped
                event("company", "c-1", 1), event("chat", "r-1", 1), "{\"domain\":\"billing\"}");
        Outputs outputs = Outputs.in(dir);

        Result result = replay(events, outputs, "--domains", domains.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        Map<String, Long> lines = ReplayTestSupport.assertBalanced(outputs.summaryJson());
        assertThat(lines).containsEntry("processed", 3L).containsEntry("parked", 2L).containsEntry("skipped", 1L)
                .containsEntry("duplicate", 3L).containsEntry("rejected", 1L).containsEntry("buffered", 0L);
        assertThat(outputs.parkedLines()).extracting(ReplayTestSupport::id)
                .containsExactly("user_account/u-1#3", "user_account/u-1#4");
    }

    @Test
    void regressionItem9_theSampleFilesLinesBalanceWithEitherRegistry() {
        Path samples = ReplayTestSupport.samples();
        Outputs seed = Outputs.in(dir);
        replay(samples.resolve("events.jsonl"), seed);
        assertThat(ReplayTestSupport.assertBalanced(seed.summaryJson())).containsEntry("processed", 11L)
                .containsEntry("parked", 3L).containsEntry("rejected", 6L).containsEntry("duplicate", 2L);

        Outputs withDomains = Outputs.in(dir.resolve("d"));
        dir.resolve("d").toFile().mkdirs();
        replay(samples.resolve("events.jsonl"), withDomains, "--domains", samples.resolve("domains.yaml").toString());
        assertThat(ReplayTestSupport.assertBalanced(withDomains.summaryJson())).containsEntry("processed", 13L)
                .containsEntry("parked", 1L).containsEntry("rejected", 6L).containsEntry("duplicate", 2L);
    }

    // ------------------------------------------------------------------ gap policies

    @Test
    void gapPolicyParkParksTheWaitingEventsWithTheReason() {
        Path events = write(dir, "events.jsonl", user("u-1", 1), user("u-1", 3), user("u-1", 4), user("u-2", 1));
        Outputs outputs = Outputs.in(dir);

        Result result = replay(events, outputs, "--gap-timeout", "50ms", "--gap-policy", "park");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(outputs.processedLines()).extracting(ReplayTestSupport::id)
                .containsExactly("user_account/u-1#1", "user_account/u-2#1");
        List<JsonNode> parked = outputs.parkedLines();
        assertThat(parked).extracting(ReplayTestSupport::id)
                .containsExactly("user_account/u-1#3", "user_account/u-1#4");
        assertThat(parked.get(0).get("reason").asText()).contains("gap #2..2").contains("PT0.05S").contains("PARK");
        assertThat(parked.get(0).get("payload").get("note").asText()).isEqualTo("of u-1");
        JsonNode summary = outputs.summaryJson();
        assertThat(summary.get("buffered").asLong()).isEqualTo(2);
        assertThat(summary.get("parked").asLong()).isEqualTo(2);
        assertThat(summary.get("skippedGaps").asLong()).isZero();
    }

    @Test
    void gapPolicySkipAdvancesOverTheGapAndHandlesTheWaitingEvents() {
        Path events = write(dir, "events.jsonl", user("u-1", 1), user("u-1", 4), user("u-1", 5));
        Outputs outputs = Outputs.in(dir);

        Result result = replay(events, outputs, "--gap-timeout", "50ms", "--gap-policy", "SKIP");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(outputs.processedLines()).extracting(ReplayTestSupport::id)
                .containsExactly("user_account/u-1#1", "user_account/u-1#4", "user_account/u-1#5");
        assertThat(outputs.parkedLines()).isEmpty();
        JsonNode summary = outputs.summaryJson();
        assertThat(summary.get("skippedGaps").asLong()).isEqualTo(1);
        assertThat(summary.get("reordered").asLong()).isEqualTo(2);
    }

    @Test
    void gapPolicyFailDropsTheWaitingEventsAndSaysSo() {
        Path events = write(dir, "events.jsonl", user("u-1", 1), user("u-1", 3), user("u-1", 4));
        Outputs outputs = Outputs.in(dir);

        Result result = replay(events, outputs, "--gap-timeout", "50ms", "--gap-policy", "fail");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(outputs.processedLines()).extracting(ReplayTestSupport::id).containsExactly("user_account/u-1#1");
        assertThat(outputs.parkedLines()).isEmpty();
        assertThat(result.err()).contains("dropped user_account/u-1 #3, #4");
        JsonNode summary = outputs.summaryJson();
        assertThat(summary.get("dropped").asLong()).isEqualTo(2);
        assertThat(summary.get("processed").asLong()).isEqualTo(1);
    }

    @Test
    void gapsTimeOutOnlyOnceTheFileIsConsumedSoALatePredecessorInTheFileStillFillsTheGap() {
        Path events = write(dir, "events.jsonl", user("u-1", 1), user("u-1", 3), user("u-2", 1), user("u-2", 2),
                user("u-1", 2));
        Outputs outputs = Outputs.in(dir);

        Result result = replay(events, outputs, "--gap-timeout", "1ms");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(outputs.processedLines()).hasSize(5);
        assertThat(outputs.parkedLines()).isEmpty();
    }

    /**
     * The seed registry's 30 s gap timeout elapses on the replay's virtual clock: on real time the run alone would
     * last longer than this class's 30 s {@code @Timeout}, whatever the machine's speed — no stopwatch is needed.
     */
    @Test
    void withoutOverridesTheSeedRegistryParksAfterItsGapTimeoutOnVirtualTime() {
        Path events = write(dir, "events.jsonl", event("company", "c-1", 1), event("company", "c-1", 3));
        Outputs outputs = Outputs.in(dir);

        Result result = replay(events, outputs);

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(outputs.parkedLines()).singleElement()
                .satisfies(p -> assertThat(p.get("reason").asText()).contains("PT30S").contains("PARK"));
    }

    @Test
    void theOverridesChangeEveryTrackedDomainAndLeaveDisabledOnesAlone() {
        DomainRegistry overridden = ReplayCommand.withOverrides(DomainRegistry.seedDefaults(), Duration.ofMillis(50),
                GapPolicy.SKIP);

        assertThat(overridden.registrations()).extracting(DomainRegistration::name)
                .containsExactly("user_account", "company", "chat");
        for (String tracked : List.of("user_account", "company")) {
            assertThat(overridden.lookup(tracked).gapTimeout()).isEqualTo(Duration.ofMillis(50));
            assertThat(overridden.lookup(tracked).gapPolicy()).isEqualTo(GapPolicy.SKIP);
            assertThat(overridden.lookup(tracked).mode()).isEqualTo(TrackingMode.STRICT);
        }
        assertThat(overridden.lookup("chat")).isEqualTo(DomainRegistry.seedDefaults().lookup("chat"));
        DomainRegistry seed = DomainRegistry.seedDefaults();
        assertThat(ReplayCommand.withOverrides(seed, null, null)).isSameAs(seed);
    }

    // ------------------------------------------------------------------ rejected lines

    @Test
    void everyKindOfInvalidLineIsRejectedWithItsLineNumberAndTheRestStillRuns() {
        Map<String, String> invalid = new LinkedHashMap<>();
        invalid.put("{\"domain\":\"user_account\",\"aggregateId\":", "malformed JSON");
        invalid.put("[1,2,3]", "not a JSON object");
        invalid.put("{\"aggregateId\":\"u-9\",\"sequence\":1}", "missing field 'domain'");
        invalid.put("{\"domain\":\"user_account\",\"sequence\":1}", "missing field 'aggregateId'");
        invalid.put("{\"domain\":\"user_account\",\"aggregateId\":\"  \",\"sequence\":1}", "aggregateId is blank");
        invalid.put("{\"domain\":\"user_account\",\"aggregateId\":42,\"sequence\":1}", "'aggregateId' must be a string");
        invalid.put("{\"domain\":\"billing\",\"aggregateId\":\"i-1\",\"sequence\":1}", "unknown domain 'billing'");
        invalid.put("{\"domain\":\"user_account\",\"aggregateId\":\"u-9\"}", "sequence is missing");
        invalid.put("{\"domain\":\"user_account\",\"aggregateId\":\"u-9\",\"sequence\":\"two\"}",
                "'sequence' must be an integer");
        invalid.put("{\"domain\":\"user_account\",\"aggregateId\":\"u-9\",\"sequence\":1.5}",
                "'sequence' must be an integer");
        invalid.put("{\"domain\":\"user_account\",\"aggregateId\":\"u-9\",\"sequence\":0}", "below the first sequence");
        invalid.put("{\"domain\":\"user_account\",\"aggregateId\":\"u-9\",\"sequence\":-4}", "below the first sequence");
        invalid.put("{\"domain\":\"user_account\",\"aggregateId\":\"u-9\",\"sequence\":99999999999999999999}",
                "out of range");
        invalid.put("{\"domain\":\"user_account\",\"aggregateId\":\"u-9\",\"sequence\":1,\"eventId\":7}",
                "'eventId' must be a string");
        String[] lines = new String[invalid.size() * 2 + 1];
        int i = 0;
        long n = 1;
        lines[i++] = user("u-1", n++);
        for (String bad : invalid.keySet()) {
            lines[i++] = bad;
            lines[i++] = user("u-1", n++);
        }
        Path events = write(dir, "events.jsonl", lines);
        Outputs outputs = Outputs.in(dir);

        Result result = replay(events, outputs);

        assertThat(result.exitCode()).as(result.err()).isZero();
        List<JsonNode> rejected = outputs.rejectedLines();
        assertThat(rejected).hasSize(invalid.size());
        List<String> expected = List.copyOf(invalid.values());
        List<String> texts = List.copyOf(invalid.keySet());
        for (int k = 0; k < rejected.size(); k++) {
            JsonNode r = rejected.get(k);
            assertThat(r.get("line").asLong()).as(texts.get(k)).isEqualTo(2L * k + 2);
            assertThat(r.get("error").asText()).as(texts.get(k)).contains(expected.get(k));
            assertThat(r.get("text").asText()).isEqualTo(texts.get(k));
        }
        assertThat(outputs.processedLines()).hasSize(invalid.size() + 1);
        JsonNode summary = outputs.summaryJson();
        assertThat(summary.get("received").asLong()).isEqualTo(lines.length);
        assertThat(summary.get("rejected").asLong()).isEqualTo(invalid.size());
    }

    @Test
    void blankLinesAreSkippedButCountInTheLineNumbers() throws Exception {
        Path events = dir.resolve("events.jsonl");
        Files.writeString(events, "\uFEFF" + user("u-1", 1) + "\r\n\r\n   \n{oops\n" + user("u-1", 2) + "\n\n");
        Outputs outputs = Outputs.in(dir);

        Result result = replay(events, outputs);

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(outputs.processedLines()).hasSize(2);
        assertThat(outputs.rejectedLines()).singleElement()
                .satisfies(r -> assertThat(r.get("line").asLong()).isEqualTo(4));
        assertThat(outputs.summaryJson().get("received").asLong()).isEqualTo(3);
    }

    // ------------------------------------------------------------------ the shipped samples

    @Test
    void theSampleFileShowsEveryVerdictWithTheSeedRegistry() {
        Path samples = ReplayTestSupport.samples();
        Outputs outputs = Outputs.in(dir);

        Result result = replay(samples.resolve("events.jsonl"), outputs);

        assertThat(result.exitCode()).as(result.err()).isZero();
        JsonNode summary = outputs.summaryJson();
        assertThat(summary.get("status").asText()).isEqualTo("completed");
        assertThat(summary.get("store").asText()).isEqualTo("memory");
        assertCounts(summary, 22L, 11L, 2L, 1L, 4L, 3L, 0L, 0L, 6L);
        assertThat(outputs.processedLines()).extracting(line -> line.get("eventId").asText())
                .containsExactly("e-01", "e-02", "e-03", "e-04", "e-05", "e-06", "e-07", "e-11", "e-15", "e-16",
                        "e-23");
        assertThat(outputs.parkedLines()).extracting(line -> line.get("eventId").asText())
                .containsExactlyInAnyOrder("e-09", "e-10", "e-14");
        assertThat(outputs.rejectedLines()).extracting(line -> line.get("line").asLong())
                .containsExactly(15L, 16L, 17L, 18L, 19L, 20L);
        assertThat(result.out()).contains("received").contains("processed").contains("duplicate")
                .contains("parked").contains("rejected");
    }

    @Test
    void theSampleDomainsFileSkipsTheCompanyGapAndParksTheUserGap() {
        Path samples = ReplayTestSupport.samples();
        Outputs outputs = Outputs.in(dir);

        Result result = replay(samples.resolve("events.jsonl"), outputs, "--domains",
                samples.resolve("domains.yaml").toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertCounts(outputs.summaryJson(), 22L, 13L, 2L, 3L, 4L, 1L, 1L, 0L, 6L);
        assertThat(outputs.parkedLines()).extracting(ReplayTestSupport::id).containsExactly("user_account/u-3#4");
    }

    @Test
    void aReplayOnTheInMemoryStoreIsDeterministic() throws Exception {
        Path samples = ReplayTestSupport.samples();
        Outputs first = Outputs.in(Files.createDirectories(dir.resolve("a")));
        Outputs second = Outputs.in(Files.createDirectories(dir.resolve("b")));

        replay(samples.resolve("events.jsonl"), first, "--worker-id", "w");
        replay(samples.resolve("events.jsonl"), second, "--worker-id", "w");

        assertThat(withoutTimes(second.processedLines())).isEqualTo(withoutTimes(first.processedLines()));
        assertThat(second.parkedLines()).isEqualTo(first.parkedLines());
        assertThat(second.rejectedLines()).isEqualTo(first.rejectedLines());
    }

    // ------------------------------------------------------------------ usage and failures

    @Test
    void missingEventsOptionIsBadUsage() {
        Result result = tracker("replay");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--events");
    }

    @Test
    void anUnknownGapPolicyIsBadUsage() {
        Path events = write(dir, "events.jsonl", user("u-1", 1));

        Result result = tracker("replay", "--events", events.toString(), "--gap-policy", "retry");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("'retry' is not a gap policy");
    }

    @Test
    void aBadGapTimeoutIsBadUsage() {
        Path events = write(dir, "events.jsonl", user("u-1", 1));

        assertThat(tracker("replay", "--events", events.toString(), "--gap-timeout", "soon").exitCode()).isEqualTo(2);
        Result zero = tracker("replay", "--events", events.toString(), "--gap-timeout", "0ms");
        assertThat(zero.exitCode()).isEqualTo(2);
        assertThat(zero.err()).contains("--gap-timeout must be positive");
    }

    @Test
    void aMissingEventsFileIsBadUsage() {
        Result result = tracker("replay", "--events", dir.resolve("nope.jsonl").toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("nope.jsonl").contains("no such file");
    }

    @Test
    void regressionItem8_anEventsFileThatIsADirectoryIsSaidToBeADirectory() {
        Result result = tracker("replay", "--events", dir.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--events " + dir + " is a directory").doesNotContain("cannot read");
    }

    @Test
    void regressionItem7_aMistypedOptionIsNamedWithItsCloseMatchAndAShortUsage() {
        Path events = write(dir, "events.jsonl", user("u-1", 1));

        Result result = tracker("replay", "--events", events.toString(), "--procesed", "out.jsonl");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("unknown option --procesed").contains("did you mean --processed")
                .contains("Usage: tracker replay").contains("Try 'tracker replay --help'")
                .doesNotContain("the events, one JSON object a line"); // the option descriptions of the full help
        assertThat(result.err().lines().count()).isLessThan(12);
        assertThat(Path.of("out.jsonl")).doesNotExist();
    }

    @Test
    void regressionItem7_aMistypedRequiredOptionIsNamedRatherThanReportedMissing() {
        Path events = write(dir, "events.jsonl", user("u-1", 1));

        Result result = tracker("replay", "--event", events.toString());

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--event").contains("--events").contains("Usage: tracker replay");
        assertThat(result.err().lines().count()).isLessThan(12);
    }

    @Test
    void regressionItem7_anInvalidStoreUriIsBadUsage() {
        Path events = write(dir, "events.jsonl", user("u-1", 1));

        Result result = tracker("replay", "--events", events.toString(), "--store", "redis://:x:y@/");

        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.err()).startsWith("tracker: --store");
    }

    @Test
    void regressionItem7_aFileInWhichEveryLineIsRejectedSaysSo() {
        Path events = write(dir, "events.jsonl", "not json", "[1]", "{\"domain\":\"nope\"}");

        Result result = tracker("replay", "--events", events.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.err()).contains("every line of " + events + " was rejected (3)");
    }

    @Test
    void regressionItem8_aMissingSequenceSaysWhichFieldTheDomainReads() {
        Path events = write(dir, "events.jsonl", "{\"domain\":\"user_account\",\"aggregateId\":\"u-9\"}");
        Outputs outputs = Outputs.in(dir);

        replay(events, outputs);

        assertThat(outputs.rejectedLines()).singleElement().satisfies(r -> assertThat(r.get("error").asText())
                .contains("numbers its events by the field 'sequence'").doesNotContain("reads its sequence from"));
    }

    @Test
    void anInvalidDomainsFileFailsNamingIt() {
        Path domains = write(dir, "domains.yaml", "domains:", "  user_account:", "    gapPolicy: sometimes");
        Path events = write(dir, "events.jsonl", user("u-1", 1));

        Result result = tracker("replay", "--events", events.toString(), "--domains", domains.toString());

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("domains.yaml").contains("gapPolicy");
    }

    @Test
    void helpDescribesTheOptions() {
        Result result = tracker("replay", "--help");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("--events", "--store", "--domains", "--processed", "--parked", "--rejected",
                "--summary", "--worker-id", "--gap-timeout", "--gap-policy");
    }

    /** received, processed, duplicates, reordered, buffered, parked, skippedGaps, dropped, rejected. */
    /**
     * The summary's counts, allowing for the lanes' reordering: an early event whose predecessor arrives while both wait
     * in the processor's lane is put back in order there and never waits in the buffer, so {@code reordered} and
     * {@code buffered} may both be lower by the same number of such events (how many depends on timing); every other
     * count is exact.
     */
    static void assertCounts(JsonNode summary, long... expected) {
        List<Long> actual = counts(summary);
        long inLane = expected[3] - actual.get(3);
        org.assertj.core.api.Assertions.assertThat(inLane).as("reordered in the lane, of %s", actual)
                .isBetween(0L, expected[3]);
        List<Long> adjusted = new java.util.ArrayList<>();
        for (long e : expected) {
            adjusted.add(e);
        }
        adjusted.set(3, expected[3] - inLane);
        adjusted.set(4, expected[4] - inLane);
        org.assertj.core.api.Assertions.assertThat(actual).containsExactlyElementsOf(adjusted);
    }

    static List<Long> counts(JsonNode summary) {
        return List.of("received", "processed", "duplicates", "reordered", "buffered", "parked", "skippedGaps",
                "dropped", "rejected").stream().map(field -> summary.get(field).asLong()).toList();
    }

    private static List<JsonNode> withoutTimes(List<JsonNode> lines) {
        return lines.stream().map(line -> {
            JsonNode copy = line.deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) copy).remove("handledAt");
            return copy;
        }).toList();
    }
}
