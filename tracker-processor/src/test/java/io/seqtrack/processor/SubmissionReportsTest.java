package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.core.registry.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a caller needs to report on a submitted event comes with the event (issue 12): a rejection says why and which
 * event it was, and the caller's attachment reaches the handler and the {@code Parked} and {@code Rejected} events —
 * also after the event waited in the buffer — so an ingest loop keeps no map from events to where they came from.
 */
class SubmissionReportsTest {

    private static final RetryPolicy ONCE = RetryPolicy.builder().maxAttempts(1).initialBackoff(Duration.ofMillis(10))
            .maxBackoff(Duration.ofMillis(10)).multiplier(1).jitter(0).build();

    private final ProcessorHarness harness = new ProcessorHarness(DomainRegistry.of(
            DomainRegistration.builder("user_account").retryPolicy(ONCE).gapTimeout(Duration.ofSeconds(5))
                    .gapPolicy(GapPolicy.PARK).build()));
    private final EventProcessor processor = harness.processor("w");

    @AfterEach
    void close() {
        harness.close();
    }

    private static Event event(String id, long seq) {
        return ProcessorHarness.event("user_account", id, seq);
    }

    private Submission submit(Event event, Object attachment) {
        Submission submission = processor.submitTracked(event, attachment);
        harness.scheduler.runReady();
        return submission;
    }

    private static Outcome outcome(Submission submission) {
        return submission.accepted().toCompletableFuture().getNow(null);
    }

    @Test
    void aRejectionSaysWhyOnTheSubmissionAndCarriesTheEventButNoMadeUpAggregate() {
        Event blankId = event(" ", 1);
        Event unknownDomain = ProcessorHarness.event("no_such_domain", "x", 1);
        Event unsequenced = new Event("e", "user_account", "u-1", OptionalLong.empty(), OptionalLong.empty(), "T", null);

        Submission invalidKey = submit(blankId, "line 1");
        Submission unknown = submit(unknownDomain, "line 2");
        Submission noSequence = submit(unsequenced, "line 3"); // rejected on its lane, by the tracker
        Submission nothing = submit(null, "line 4");

        assertThat(List.of(invalidKey, unknown, noSequence, nothing)).allSatisfy(s -> {
            assertThat(outcome(s)).isEqualTo(Outcome.REJECTED);
            assertThat(s.rejectionReason()).isPresent();
        });
        assertThat(invalidKey.rejectionReason().get()).contains("aggregateId");
        assertThat(unknown.rejectionReason().get()).contains("no_such_domain");
        assertThat(noSequence.rejectionReason().get()).contains("sequence").contains("missing");
        assertThat(nothing.rejectionReason().get()).contains("event");

        List<ProcessorEvent.Rejected> rejected = harness.events(ProcessorEvent.Rejected.class);
        assertThat(rejected).extracting(ProcessorEvent.Rejected::event)
                .containsExactly(blankId, unknownDomain, unsequenced, null);
        assertThat(rejected.get(0).event()).isSameAs(blankId);
        // an unknown domain's "aggregate" is only what the input says: not a key (metric tags, log keys), but the
        // event still has its fields
        assertThat(rejected).extracting(ProcessorEvent.Rejected::key).containsExactly(null, null,
                AggregateKey.of("user_account", "u-1"), null);
        assertThat(rejected).extracting(r -> r.attachment().orElseThrow())
                .containsExactly("line 1", "line 2", "line 3", "line 4");
        assertThat(rejected).extracting(ProcessorEvent.Rejected::error).containsExactly(
                invalidKey.rejectionReason().get(), unknown.rejectionReason().get(),
                noSequence.rejectionReason().get(), nothing.rejectionReason().get());

        Submission valid = submit(event("u-1", 1), "line 5");
        assertThat(outcome(valid)).isEqualTo(Outcome.PROCESSED);
        assertThat(valid.rejectionReason()).isEmpty();
        assertThat(valid.attachment()).contains("line 5");
        assertThat(processor.submitTracked(event("u-1", 2)).attachment()).isEmpty();
    }

    @Test
    void submitAllTrackedSaysWhyForEachRejectedEvent() {
        List<Submission> submissions = processor.submitAllTracked(List.of(event("u-1", 1), event("", 2)));
        harness.scheduler.runReady();
        assertThat(outcome(submissions.get(0))).isEqualTo(Outcome.PROCESSED);
        assertThat(submissions.get(0).rejectionReason()).isEmpty();
        assertThat(outcome(submissions.get(1))).isEqualTo(Outcome.REJECTED);
        assertThat(submissions.get(1).rejectionReason().orElseThrow()).contains("aggregateId");
    }

    @Test
    void theHandlerSeesTheAttachmentAlsoWhenTheEventWaitedInTheBufferAndACopyDoesNotReplaceIt() {
        Map<Long, Optional<Object>> seen = new ConcurrentHashMap<>();
        harness.duringHandler = ctx -> seen.put(ctx.sequence(), ctx.attachment());

        Submission early = submit(event("u-1", 2), "line 1");
        Submission copy = submit(event("u-1", 2), "line 2");
        assertThat(outcome(early)).isEqualTo(Outcome.BUFFERED);
        assertThat(outcome(copy)).isEqualTo(Outcome.BUFFERED);
        submit(event("u-1", 1), "line 3");
        submit(event("u-1", 3), null);

        assertThat(harness.handled("user_account", "u-1")).containsExactly(1L, 2L, 3L);
        assertThat(seen).containsEntry(1L, Optional.of("line 3")).containsEntry(2L, Optional.of("line 1"))
                .containsEntry(3L, Optional.empty());
        assertThat(early.settled().toCompletableFuture().getNow(null)).isEqualTo(Outcome.PROCESSED);
    }

    @Test
    void parkedEventsCarryTheAttachmentOfTheirSubmissionWhetherTheyFailedOrWaitedBehindAGap() {
        harness.failTimes("user_account", "poison", 1, 1);
        submit(event("poison", 1), "poison line");
        submit(event("u-1", 1), "line 1");
        submit(event("u-1", 3), "line 3");
        submit(event("u-1", 4), null);
        harness.scheduler.advance(Duration.ofSeconds(6)); // #2 never comes: gap policy PARK parks #3 and #4

        assertThat(harness.events(ProcessorEvent.Parked.class))
                .extracting(p -> p.key().aggregateId() + "#" + p.sequence() + "=" + p.attachment().orElse("none"))
                .containsExactly("poison#1=poison line", "u-1#3=line 3", "u-1#4=none");
    }
}
