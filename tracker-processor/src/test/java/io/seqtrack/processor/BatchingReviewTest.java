package io.seqtrack.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.processor.internal.LaneOf;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.port.out.ActiveClaim;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import io.seqtrack.core.registry.RetryPolicy;
import io.seqtrack.inmemory.InMemoryEventBuffer;
import io.seqtrack.inmemory.InMemorySequenceStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An adversarial review of processor v2's batching: each test pins one way a batch goes wrong, on virtual time. */
class BatchingReviewTest {

    private static final RetryPolicy ONCE = RetryPolicy.builder().maxAttempts(1).build();
    private static final int LANES = 4; // ProcessorHarness's VirtualScheduler

    private ProcessorHarness harness;

    @AfterEach
    void close() {
        if (harness != null) {
            harness.close();
        }
    }

    private static DomainRegistration domain(String name, Duration lease) {
        return DomainRegistration.builder(name).retryPolicy(ONCE).gapTimeout(Duration.ofSeconds(30))
                .gapPolicy(GapPolicy.PARK).leaseTtl(lease).build();
    }

    private static int lane(String domain, String id) {
        return LaneOf.lane(AggregateKey.of(domain, id), LANES);
    }

    /** An aggregate id of {@code domain}, other than {@code not}, on the given lane. */
    private static String idOnLane(String domain, int lane, String not) {
        for (int i = 0; ; i++) {
            String id = "agg-" + i;
            if (!id.equals(not) && lane(domain, id) == lane) {
                return id;
            }
        }
    }

    private static Optional<Outcome> outcome(CompletableFuture<Outcome> f) {
        return f.isDone() && !f.isCompletedExceptionally() ? Optional.ofNullable(f.getNow(null)) : Optional.empty();
    }

    /**
     * A batch of A and B: commitAll fails, so each commits alone; A answers CLAIM_LOST (it is re-run alone, which
     * commits again) and B's outcome stays unknown. The re-run of A must not wipe what the step knows about B's failed
     * commit: B fails closed, A is processed, no submission is left open and no exception escapes the lane.
     */
    @Test
    void aClaimLostElementReRunAloneKeepsTheCommitFailureOfALaterElement() {
        String a = "agg-a";
        String b = idOnLane("user_account", lane("user_account", a), a);
        Map<String, AtomicInteger> commits = new ConcurrentHashMap<>();
        InMemorySequenceStore[] real = new InMemorySequenceStore[1];
        harness = ProcessorHarness.withStoreOnItsClock(DomainRegistry.of(domain("user_account", Duration.ofSeconds(10))),
                clock -> {
                    real[0] = InMemorySequenceStore.builder().clock(clock).build();
                    return new ForwardingSequenceStore(real[0]) {
                        @Override
                        public CommitResult commit(AggregateKey key, long seq, long fencingToken) {
                            int n = commits.computeIfAbsent(key.aggregateId(), k -> new AtomicInteger()).incrementAndGet();
                            if (key.aggregateId().equals(a) && n <= 2) {
                                return CommitResult.CLAIM_LOST; // in the batch and alone: fenced
                            }
                            if (key.aggregateId().equals(b) && n <= 2) {
                                throw SequenceStoreException.of("commit", key, new RuntimeException("timeout"));
                            }
                            return super.commit(key, seq, fencingToken);
                        }
                    };
                }, InMemoryEventBuffer.create());
        EventProcessor processor = harness.processor("w");
        CompletableFuture<Outcome> first = processor.submit(ProcessorHarness.event("user_account", a, 1))
                .toCompletableFuture();
        CompletableFuture<Outcome> second = processor.submit(ProcessorHarness.event("user_account", b, 1))
                .toCompletableFuture();

        assertThatCode(harness.scheduler::runReady).as("nothing escapes the lane").doesNotThrowAnyException();

        assertThat(outcome(first)).as("A re-run alone after CLAIM_LOST").contains(Outcome.PROCESSED);
        assertThat(second).as("B's commit outcome is unknown: it fails closed").isCompletedExceptionally();
        assertThat(processor.snapshot().inFlight()).isZero();
    }

    /**
     * A broker redelivers an early event: both copies are answered BUFFERED. When the gap fills, the drain handles the
     * event once — and each submission must settle; the first copy's settled() used to stay open (the processor kept
     * one submission per buffered sequence and the second replaced the first).
     */
    @Test
    void bothSubmissionsOfARedeliveredBufferedEventSettleWhenItIsDrained() {
        harness = new ProcessorHarness(DomainRegistry.of(domain("user_account", Duration.ofSeconds(10))));
        EventProcessor processor = harness.processor("w");
        Submission copy1 = processor.submitTracked(ProcessorHarness.event("user_account", "u", 2));
        harness.scheduler.runReady();
        Submission copy2 = processor.submitTracked(ProcessorHarness.event("user_account", "u", 2));
        harness.scheduler.runReady();
        assertThat(copy1.accepted().toCompletableFuture().getNow(null)).isEqualTo(Outcome.BUFFERED);
        assertThat(copy2.accepted().toCompletableFuture().getNow(null)).isEqualTo(Outcome.BUFFERED);

        harness.submit(processor, ProcessorHarness.event("user_account", "u", 1));

        assertThat(harness.handled("user_account", "u")).containsExactly(1L, 2L);
        assertThat(copy2.settled().toCompletableFuture()).isCompleted();
        assertThat(copy1.settled().toCompletableFuture()).as("the first copy settles too, not only the last one")
                .isCompleted();
    }

    /**
     * One lane, two domains: a batch of the 10 s domain arms the lane's renewal timer for +5 s and ends. A batch of
     * the 2 s domain starts right after; its lease must be renewed every second. The pending timer must not make it
     * wait for +5 s: by then its lease has run out and another worker may claim and handle the aggregate.
     */
    @Test
    void aShortLeaseBatchIsRenewedInTimeWhileALongLeaseTimerIsPending() {
        String slowId = "s";
        String fastId = idOnLane("fast", lane("slow", slowId), "");
        harness = new ProcessorHarness(DomainRegistry.of(domain("slow", Duration.ofSeconds(10)),
                domain("fast", Duration.ofSeconds(2))));
        EventProcessor processor = harness.processor("w");
        AggregateKey fast = AggregateKey.of("fast", fastId);
        AtomicReference<Instant> at = new AtomicReference<>();
        AtomicReference<Optional<ActiveClaim>> claim = new AtomicReference<>();
        harness.duringHandler = ctx -> {
            if (ctx.key().equals(fast)) {
                for (int i = 0; i < 6; i++) {
                    harness.scheduler.advance(Duration.ofMillis(500)); // the handler takes 3 s; renewals run meanwhile
                }
                at.set(harness.scheduler.clock().instant());
                claim.set(harness.store.read(fast).claim());
            }
        };
        assertThat(harness.submit(processor, ProcessorHarness.event("slow", slowId, 1))).isEqualTo(Outcome.PROCESSED);
        assertThat(harness.submit(processor, ProcessorHarness.event("fast", fastId, 1))).isEqualTo(Outcome.PROCESSED);

        assertThat(claim.get()).as("the 2 s lease is still held after 3 s of handling")
                .hasValueSatisfying(c -> assertThat(c.expiresAt()).isAfter(at.get()));
    }

    /** A drained event whose handler gives up is parked once, not a second time as its own "pending successor". */
    @Test
    void aDrainedEventThatFailsIsParkedOnce() {
        harness = new ProcessorHarness(DomainRegistry.of(domain("user_account", Duration.ofSeconds(10))));
        EventProcessor processor = harness.processor("w");
        Submission early = processor.submitTracked(ProcessorHarness.event("user_account", "u", 2));
        harness.scheduler.runReady();
        harness.failTimes("user_account", "u", 2, 1);
        harness.submit(processor, ProcessorHarness.event("user_account", "u", 1));

        AggregateKey key = AggregateKey.of("user_account", "u");
        assertThat(harness.buffer.parked(key)).extracting(p -> p.sequence()).containsExactly(2L);
        assertThat(harness.buffer.pending(key)).isEmpty();
        assertThat(harness.events(ProcessorEvent.Parked.class)).hasSize(1);
        assertThat(early.settled().toCompletableFuture().getNow(null)).isEqualTo(Outcome.PARKED);
        assertThat(processor.snapshot().bufferedEvents()).isZero();
    }
}
