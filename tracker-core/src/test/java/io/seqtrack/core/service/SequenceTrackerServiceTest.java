package io.seqtrack.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.DuplicateEventException;
import io.seqtrack.core.domain.InvalidEventException;
import io.seqtrack.core.domain.OutOfOrderEventException;
import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.domain.SequenceTrackingException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.UnknownDomainException;
import io.seqtrack.core.domain.Verdict;
import io.seqtrack.core.port.in.ClaimDecision;
import io.seqtrack.core.port.in.SequenceTracker;
import io.seqtrack.core.port.in.TrackedEvent;
import io.seqtrack.core.port.in.TrackingDecision;
import io.seqtrack.core.port.out.ActiveClaim;
import io.seqtrack.core.port.out.AggregateState;
import io.seqtrack.core.port.out.ClaimStatus;
import io.seqtrack.core.port.out.CommitResult;
import io.seqtrack.core.port.out.FakeSequenceStore;
import io.seqtrack.core.port.out.MisbehavingSequenceStore;
import io.seqtrack.core.port.out.ReleaseResult;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.SequenceSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SequenceTrackerServiceTest {

    private static final Duration USER_LEASE = Duration.ofSeconds(45);

    /**
     * user_account and company strict (user_account with a 45 s lease), chat disabled, ledger strict counting from 0,
     * orders strict by aggregate version, clicks monotonic.
     */
    static DomainRegistry registry() {
        return DomainRegistry.of(
                DomainRegistration.builder("user_account").leaseTtl(USER_LEASE).build(),
                DomainRegistration.builder("company").build(),
                DomainRegistration.builder("chat").mode(TrackingMode.DISABLED).build(),
                DomainRegistration.builder("ledger").firstSequence(0).build(),
                DomainRegistration.builder("orders").sequenceSource(SequenceSource.AGGREGATE_VERSION).build(),
                DomainRegistration.builder("clicks").mode(TrackingMode.MONOTONIC).build());
    }

    private static final AggregateKey USER = AggregateKey.of("user_account", "u-1");
    private static final AggregateKey LEDGER = AggregateKey.of("ledger", "l-1");

    private FakeSequenceStore store;
    private SequenceTracker tracker;

    @BeforeEach
    void setUp() {
        store = new FakeSequenceStore();
        tracker = new SequenceTrackerService(registry(), store);
    }

    private static TrackedEvent event(String domain, String id, long seq) {
        return TrackedEvent.of(domain, id, seq);
    }

    private static TrackedEvent withoutSequence(String domain, String id) {
        return new TrackedEvent.Basic(domain, id, OptionalLong.empty(), OptionalLong.empty());
    }

    /** Both entry points that take an event; each must reject bad input the same way. */
    enum Entry {
        ADVANCE {
            @Override
            Object call(SequenceTracker tracker, TrackedEvent event) {
                return tracker.advance(event);
            }
        },
        CLAIM {
            @Override
            Object call(SequenceTracker tracker, TrackedEvent event) {
                return tracker.claim(event, "worker-1");
            }
        };

        abstract Object call(SequenceTracker tracker, TrackedEvent event);
    }

    // ================================================================================================ bad input

    static Stream<Arguments> badEvents() {
        List<Arguments> cases = List.of(
                bad("null event", null, InvalidEventException.class, "event", "missing"),
                bad("null domain", event(null, "u-1", 1), InvalidEventException.class, "domain", "missing"),
                bad("blank domain", event("  ", "u-1", 1), InvalidEventException.class, "domain", "blank"),
                bad("oversized domain", event("d".repeat(65), "u-1", 1), InvalidEventException.class, "domain",
                        "65"),
                bad("unknown domain", event("user_acount", "u-1", 1), UnknownDomainException.class, "user_acount",
                        "[user_account, company, chat, ledger, orders, clicks]"),
                bad("unknown domain, no sequence", withoutSequence("nope", "u-1"), UnknownDomainException.class,
                        "nope", "registered domains"),
                bad("null id", event("user_account", null, 1), InvalidEventException.class, "aggregateId",
                        "missing"),
                bad("blank id", event("user_account", " \t", 1), InvalidEventException.class, "aggregateId",
                        "blank"),
                bad("blank id in a disabled domain", event("chat", "", 1), InvalidEventException.class,
                        "aggregateId", "blank"),
                bad("oversized id", event("user_account", "i".repeat(1025), 1), InvalidEventException.class,
                        "aggregateId", "1025"),
                bad("missing sequence", withoutSequence("user_account", "u-1"), InvalidEventException.class,
                        "sequence", "never defaulted"),
                bad("negative sequence", event("user_account", "u-1", -1), InvalidEventException.class,
                        "sequence", "negative"),
                bad("Long.MIN_VALUE sequence", event("user_account", "u-1", Long.MIN_VALUE),
                        InvalidEventException.class, "sequence", "negative"),
                bad("negative sequence, first 0", event("ledger", "l-1", -1), InvalidEventException.class,
                        "sequence", "negative"),
                bad("zero with first sequence 1", event("user_account", "u-1", 0), InvalidEventException.class,
                        "sequence", "below the first sequence 1"),
                bad("Long.MAX_VALUE with first sequence 0", event("ledger", "l-1", Long.MAX_VALUE),
                        InvalidEventException.class, "sequence", "overflows"),
                bad("aggregate version domain, event has only a sequence", event("orders", "o-1", 1),
                        InvalidEventException.class, "aggregateVersion", "missing"),
                bad("aggregate version 0", TrackedEvent.ofAggregateVersion("orders", "o-1", 0),
                        InvalidEventException.class, "aggregateVersion", "below the first sequence"),
                bad("sequence domain, event has only an aggregate version",
                        TrackedEvent.ofAggregateVersion("user_account", "u-1", 1), InvalidEventException.class,
                        "sequence", "missing"),
                bad("custom event answering null for its sequence", new NullSequenceEvent("user_account", "u-1"),
                        InvalidEventException.class, "sequence", "missing"));
        List<Arguments> all = new ArrayList<>();
        for (Entry entry : Entry.values()) {
            for (Arguments c : cases) {
                Object[] a = c.get();
                all.add(Arguments.of(a[0], entry, a[1], a[2], a[3], a[4]));
            }
        }
        return all.stream();
    }

    private static Arguments bad(String description, TrackedEvent event, Class<? extends SequenceTrackingException> type,
            String field, String messagePart) {
        return Arguments.of(description, event, type, field, messagePart);
    }

    /** A hand-written event type whose optional fields are (wrongly) null. */
    record NullSequenceEvent(String domain, String aggregateId) implements TrackedEvent {
        @Override
        public OptionalLong sequence() {
            return null;
        }

        @Override
        public OptionalLong aggregateVersion() {
            return null;
        }
    }

    @ParameterizedTest(name = "[{index}] {1}: {0}")
    @MethodSource("badEvents")
    void badInputIsRejectedWithATypedExceptionAndTheStoreIsNeverTouched(String description, Entry entry,
            TrackedEvent event, Class<? extends SequenceTrackingException> type, String field, String messagePart) {
        store.seed(USER, 3).seed(LEDGER, 5);
        Map<AggregateKey, AggregateState> before = store.snapshot();

        assertThatThrownBy(() -> entry.call(tracker, event))
                .isExactlyInstanceOf(type)
                .hasMessageContaining(messagePart)
                .satisfies(e -> {
                    if (e instanceof InvalidEventException invalid) {
                        assertThat(invalid.field()).isEqualTo(field);
                        assertThat(invalid.getMessage()).contains(field);
                    } else {
                        assertThat(((UnknownDomainException) e).domain()).isEqualTo(field);
                        assertThat(e.getMessage()).contains("'" + field + "'");
                    }
                });

        assertThat(store.calls()).isEmpty();
        assertThat(store.snapshot()).isEqualTo(before);
    }

    @Test
    void sequenceErrorsNameTheAggregateAndTheDomain() {
        assertThatThrownBy(() -> tracker.advance(event("ledger", "l-9", Long.MAX_VALUE)))
                .hasMessageContaining("ledger/l-9")
                .hasMessageContaining(String.valueOf(Long.MAX_VALUE - 1));
        assertThatThrownBy(() -> tracker.advance(event("user_account", "u-9", 0)))
                .hasMessageContaining("user_account/u-9")
                .hasMessageContaining("'user_account'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void blankOwnerIsRejectedBeforeTheStore(String owner) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> tracker.claim(event("user_account", "u-1", 1), owner))
                .withMessageContaining("owner");
        assertThat(store.calls()).isEmpty();
    }

    @Test
    void nullOrOversizedOwnerIsRejectedBeforeTheStore() {
        assertThatNullPointerException()
                .isThrownBy(() -> tracker.claim(event("user_account", "u-1", 1), null))
                .withMessageContaining("owner");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> tracker.claim(event("user_account", "u-1", 1), "w".repeat(257)))
                .withMessageContaining("owner");
        assertThat(store.calls()).isEmpty();
    }

    @Test
    void constructorRejectsNulls() {
        assertThatNullPointerException().isThrownBy(() -> new SequenceTrackerService(null, store))
                .withMessage("registry");
        assertThatNullPointerException().isThrownBy(() -> new SequenceTrackerService(registry(), null))
                .withMessage("store");
    }

    @Test
    void exposesItsRegistry() {
        DomainRegistry registry = DomainRegistry.seedDefaults();
        assertThat(new SequenceTrackerService(registry, store).registry()).isSameAs(registry);
    }

    // ================================================================================================ advance

    @Nested
    class Advance {

        @Test
        void strictInOrderDuplicateAndGap() {
            TrackingDecision first = tracker.advance(event("user_account", "u-1", 1));
            assertThat(first).isEqualTo(new TrackingDecision(USER, TrackingMode.STRICT, Verdict.IN_ORDER, 1, 1));
            assertThat(first.shouldHandle()).isTrue();

            TrackingDecision again = tracker.advance(event("user_account", "u-1", 1));
            assertThat(again.verdict()).isEqualTo(Verdict.DUPLICATE);
            assertThat(again.lastCommitted()).isEqualTo(1);
            assertThat(again.shouldHandle()).isFalse();

            TrackingDecision early = tracker.advance(event("user_account", "u-1", 3));
            assertThat(early.verdict()).isEqualTo(Verdict.GAP);
            assertThat(early.sequence()).isEqualTo(3);
            assertThat(early.lastCommitted()).isEqualTo(1);
            assertThat(early.shouldHandle()).isFalse();

            assertThat(tracker.advance(event("user_account", "u-1", 2)).verdict()).isEqualTo(Verdict.IN_ORDER);
            assertThat(tracker.advance(event("user_account", "u-1", 3)).lastCommitted()).isEqualTo(3);

            assertThat(store.calls()).containsExactly(
                    "advance user_account/u-1 1 STRICT",
                    "advance user_account/u-1 1 STRICT",
                    "advance user_account/u-1 3 STRICT",
                    "advance user_account/u-1 2 STRICT",
                    "advance user_account/u-1 3 STRICT");
            assertThat(store.state(USER).lastCommitted()).isEqualTo(3);
        }

        @Test
        void firstEventOfANewAggregateReportsNothingCommittedAsZero() {
            TrackingDecision gap = tracker.advance(event("company", "c-1", 2));
            assertThat(gap.verdict()).isEqualTo(Verdict.GAP);
            assertThat(gap.lastCommitted()).isZero();
            assertThat(store.state(AggregateKey.of("company", "c-1")).lastCommitted()).isZero();
        }

        @Test
        void requireInOrderThrowsTypedExceptions() {
            tracker.advance(event("user_account", "u-1", 1)).requireInOrder();

            assertThatThrownBy(() -> tracker.advance(event("user_account", "u-1", 1)).requireInOrder())
                    .isInstanceOfSatisfying(DuplicateEventException.class, e -> {
                        assertThat(e.key()).isEqualTo(USER);
                        assertThat(e.sequence()).isEqualTo(1);
                        assertThat(e.lastCommitted()).isEqualTo(1);
                    });
            assertThatThrownBy(() -> tracker.advance(event("user_account", "u-1", 4)).requireInOrder())
                    .isInstanceOfSatisfying(OutOfOrderEventException.class, e -> {
                        assertThat(e.key()).isEqualTo(USER);
                        assertThat(e.expected()).isEqualTo(2);
                        assertThat(e.actual()).isEqualTo(4);
                    });
        }

        @Test
        void monotonicAcceptsEveryHigherSequence() {
            AggregateKey key = AggregateKey.of("clicks", "k-1");
            assertThat(tracker.advance(event("clicks", "k-1", 5)))
                    .isEqualTo(new TrackingDecision(key, TrackingMode.MONOTONIC, Verdict.IN_ORDER, 5, 5));
            assertThat(tracker.advance(event("clicks", "k-1", 3)).verdict()).isEqualTo(Verdict.DUPLICATE);
            assertThat(tracker.advance(event("clicks", "k-1", 5)).verdict()).isEqualTo(Verdict.DUPLICATE);
            TrackingDecision jump = tracker.advance(event("clicks", "k-1", 1_000_000));
            assertThat(jump.verdict()).isEqualTo(Verdict.IN_ORDER);
            assertThat(jump.lastCommitted()).isEqualTo(1_000_000);
            assertThat(store.calls()).allMatch(c -> c.endsWith(" MONOTONIC"));
        }

        @Test
        void aggregatesAreIndependent() {
            tracker.advance(event("user_account", "a", 1));
            tracker.advance(event("user_account", "a", 2));
            assertThat(tracker.advance(event("user_account", "b", 1)).verdict()).isEqualTo(Verdict.IN_ORDER);
            assertThat(tracker.advance(event("company", "a", 1)).verdict()).isEqualTo(Verdict.IN_ORDER);
            assertThat(tracker.advance(event("user_account", "a", 3)).verdict()).isEqualTo(Verdict.IN_ORDER);
        }

        @Test
        void largestSequenceOfADomainCountingFromOneIsAccepted() {
            store.seed(USER, Long.MAX_VALUE - 1);
            TrackingDecision d = tracker.advance(event("user_account", "u-1", Long.MAX_VALUE));
            assertThat(d.verdict()).isEqualTo(Verdict.IN_ORDER);
            assertThat(d.lastCommitted()).isEqualTo(Long.MAX_VALUE);
        }

        @Test
        void idsWithSpecialCharactersReachTheStoreVerbatim() {
            String id = "{tenant}:42 % Zoë/用户";
            TrackingDecision d = tracker.advance(event("user_account", id, 1));
            assertThat(d.key()).isEqualTo(AggregateKey.of("user_account", id));
            assertThat(store.snapshot()).containsOnlyKeys(AggregateKey.of("user_account", id));
        }
    }

    // ================================================================================================ first sequence 0

    @Nested
    class FirstSequenceZero {

        @Test
        void eventZeroIsTheFirstInOrderAndDecisionsSpeakTheDomainsNumbering() {
            TrackingDecision early = tracker.advance(event("ledger", "l-1", 1));
            assertThat(early.verdict()).isEqualTo(Verdict.GAP);
            assertThat(early.lastCommitted()).as("nothing committed yet").isEqualTo(-1);
            assertThatThrownBy(early::requireInOrder)
                    .isInstanceOfSatisfying(OutOfOrderEventException.class, e -> {
                        assertThat(e.expected()).isZero();
                        assertThat(e.actual()).isEqualTo(1);
                    });

            TrackingDecision first = tracker.advance(event("ledger", "l-1", 0));
            assertThat(first).isEqualTo(new TrackingDecision(LEDGER, TrackingMode.STRICT, Verdict.IN_ORDER, 0, 0));

            TrackingDecision again = tracker.advance(event("ledger", "l-1", 0));
            assertThat(again.verdict()).isEqualTo(Verdict.DUPLICATE);
            assertThat(again.lastCommitted()).isZero();
            assertThatThrownBy(again::requireInOrder)
                    .isInstanceOfSatisfying(DuplicateEventException.class, e -> {
                        assertThat(e.sequence()).isZero();
                        assertThat(e.lastCommitted()).isZero();
                    });

            TrackingDecision second = tracker.advance(event("ledger", "l-1", 1));
            assertThat(second.verdict()).isEqualTo(Verdict.IN_ORDER);
            assertThat(second.sequence()).isEqualTo(1);
            assertThat(second.lastCommitted()).isEqualTo(1);

            // the store itself counts from 1: domain sequence n is store sequence n + 1
            assertThat(store.calls()).containsExactly(
                    "advance ledger/l-1 2 STRICT",
                    "advance ledger/l-1 1 STRICT",
                    "advance ledger/l-1 1 STRICT",
                    "advance ledger/l-1 2 STRICT");
            assertThat(store.state(LEDGER).lastCommitted()).isEqualTo(2);
        }

        @Test
        void largestAcceptedSequenceMapsToTheTopOfTheStoreRange() {
            store.seed(LEDGER, Long.MAX_VALUE - 1);
            TrackingDecision d = tracker.advance(event("ledger", "l-1", Long.MAX_VALUE - 1));
            assertThat(d.verdict()).isEqualTo(Verdict.IN_ORDER);
            assertThat(d.lastCommitted()).isEqualTo(Long.MAX_VALUE - 1);
            assertThat(store.state(LEDGER).lastCommitted()).isEqualTo(Long.MAX_VALUE);
        }

        @Test
        void claimCommitAndBusyHolderAreInTheDomainsNumbering() {
            ClaimDecision a = tracker.claim(event("ledger", "l-1", 0), "worker-a");
            assertThat(a.status()).isEqualTo(ClaimStatus.CLAIMED);
            assertThat(a.sequence()).isZero();
            assertThat(a.lastCommitted()).isEqualTo(-1);

            ClaimDecision b = tracker.claim(event("ledger", "l-1", 0), "worker-b");
            assertThat(b.status()).isEqualTo(ClaimStatus.BUSY);
            assertThat(b.lastCommitted()).isEqualTo(-1);
            assertThat(b.busyHolder()).hasValueSatisfying(h -> {
                assertThat(h.owner()).isEqualTo("worker-a");
                assertThat(h.sequence()).as("holder's sequence in domain numbering").isZero();
                assertThat(h.fencingToken()).isEqualTo(a.fencingToken());
            });

            assertThat(tracker.commit(a)).isEqualTo(CommitResult.COMMITTED);
            assertThat(store.calls()).contains("commit ledger/l-1 1 " + a.fencingToken());
            assertThat(store.state(LEDGER).lastCommitted()).isEqualTo(1);

            ClaimDecision dup = tracker.claim(event("ledger", "l-1", 0), "worker-b");
            assertThat(dup.status()).isEqualTo(ClaimStatus.DUPLICATE);
            assertThat(dup.lastCommitted()).isZero();

            ClaimDecision next = tracker.claim(event("ledger", "l-1", 1), "worker-b");
            assertThat(next.claimed()).isTrue();
            assertThat(tracker.release(next)).isEqualTo(ReleaseResult.RELEASED);
            assertThat(store.calls()).contains("release ledger/l-1 2 " + next.fencingToken());
        }
    }

    // ================================================================================================ sequence source

    @Nested
    class AggregateVersionSource {

        @Test
        void readsTheAggregateVersion() {
            AggregateKey key = AggregateKey.of("orders", "o-1");
            assertThat(tracker.advance(TrackedEvent.ofAggregateVersion("orders", "o-1", 1)))
                    .isEqualTo(new TrackingDecision(key, TrackingMode.STRICT, Verdict.IN_ORDER, 1, 1));

            // an event carrying both: the domain's source decides
            TrackedEvent both = new TrackedEvent.Basic("orders", "o-1", OptionalLong.of(99), OptionalLong.of(2));
            TrackingDecision d = tracker.advance(both);
            assertThat(d.sequence()).isEqualTo(2);
            assertThat(d.verdict()).isEqualTo(Verdict.IN_ORDER);
            assertThat(store.calls()).containsExactly("advance orders/o-1 1 STRICT", "advance orders/o-1 2 STRICT");
        }

        @Test
        void sequenceNumberDomainIgnoresTheAggregateVersion() {
            TrackedEvent both = new TrackedEvent.Basic("user_account", "u-1", OptionalLong.of(1), OptionalLong.of(7));
            TrackingDecision d = tracker.advance(both);
            assertThat(d.sequence()).isEqualTo(1);
            assertThat(d.verdict()).isEqualTo(Verdict.IN_ORDER);
        }

        @Test
        void claimReadsTheAggregateVersionToo() {
            ClaimDecision c = tracker.claim(TrackedEvent.ofAggregateVersion("orders", "o-1", 1), "w");
            assertThat(c.claimed()).isTrue();
            assertThat(c.sequence()).isEqualTo(1);
            assertThat(tracker.commit(c)).isEqualTo(CommitResult.COMMITTED);
            assertThat(store.state(AggregateKey.of("orders", "o-1")).lastCommitted()).isEqualTo(1);
        }
    }

    // ================================================================================================ disabled

    @Nested
    class DisabledDomain {

        /** A store that fails every call: a disabled domain must work anyway, because it never asks. */
        private final MisbehavingSequenceStore broken =
                MisbehavingSequenceStore.throwing(new IllegalStateException("must not be called"));
        private final SequenceTracker overBroken = new SequenceTrackerService(registry(), broken);

        @Test
        void advanceIsAlwaysInOrderWithoutTouchingTheStore() {
            AggregateKey chat = AggregateKey.of("chat", "room-1");
            TrackingDecision noSequence = overBroken.advance(withoutSequence("chat", "room-1"));
            assertThat(noSequence).isEqualTo(new TrackingDecision(chat, TrackingMode.DISABLED, Verdict.IN_ORDER, 0, 0));
            assertThat(noSequence.shouldHandle()).isTrue();
            assertThat(noSequence.requireInOrder()).isSameAs(noSequence);

            // no duplicate detection: the same event twice is handled twice
            TrackingDecision first = overBroken.advance(event("chat", "room-1", 5));
            TrackingDecision second = overBroken.advance(event("chat", "room-1", 5));
            assertThat(first.verdict()).isEqualTo(Verdict.IN_ORDER);
            assertThat(second.verdict()).isEqualTo(Verdict.IN_ORDER);
            assertThat(second.sequence()).isEqualTo(5);
            assertThat(second.lastCommitted()).isZero();

            // carried values are passed through unchecked
            assertThat(overBroken.advance(event("chat", "room-1", -3)).sequence()).isEqualTo(-3);
            assertThat(overBroken.advance(event("chat", "room-1", 0)).verdict()).isEqualTo(Verdict.IN_ORDER);

            assertThat(broken.calls()).isEmpty();
        }

        @Test
        void claimCommitAndReleasePassThroughWithoutTouchingTheStore() {
            ClaimDecision claim = overBroken.claim(event("chat", "room-1", 9), "worker-1");
            assertThat(claim.status()).isEqualTo(ClaimStatus.CLAIMED);
            assertThat(claim.claimed()).isTrue();
            assertThat(claim.mode()).isEqualTo(TrackingMode.DISABLED);
            assertThat(claim.sequence()).isEqualTo(9);
            assertThat(claim.fencingToken()).isZero();
            assertThat(claim.busyHolder()).isEmpty();

            assertThat(overBroken.commit(claim)).isEqualTo(CommitResult.COMMITTED);
            assertThat(overBroken.release(claim)).isEqualTo(ReleaseResult.RELEASED);
            assertThat(overBroken.claim(withoutSequence("chat", "room-1"), "worker-2").claimed()).isTrue();

            assertThat(broken.calls()).isEmpty();
        }

        @Test
        void seedChatDomainNeverTouchesTheStore() {
            SequenceTracker seeded = new SequenceTrackerService(DomainRegistry.seedDefaults(), store);
            seeded.advance(event("chat", "room-1", 1));
            seeded.commit(seeded.claim(event("chat", "room-1", 1), "w"));
            assertThat(store.calls()).isEmpty();
            assertThat(store.snapshot()).isEmpty();
        }
    }

    // ================================================================================================ claim → commit

    @Nested
    class ClaimCommitRelease {

        /** The fake store keeps the SPI default, which commits and declines every next claim. */
        @Test
        void commitAndClaimAllCommitsEverythingAndReportsNoNextClaimWhereTheStoreMadeNone() {
            ClaimDecision u1 = tracker.claim(event("user_account", "u-1", 1), "worker-1");
            ClaimDecision c1 = tracker.claim(event("company", "c-1", 1), "worker-1");
            ClaimDecision chat = tracker.claim(event("chat", "room", 7), "worker-1");

            java.util.List<io.seqtrack.core.port.in.CommitThenClaim> answers = tracker.commitAndClaimAll(
                    java.util.List.of(u1, c1, chat),
                    java.util.Arrays.asList(event("user_account", "u-1", 2), null, event("chat", "room", 8)),
                    "worker-1");

            assertThat(answers.get(0)).isEqualTo(new io.seqtrack.core.port.in.CommitThenClaim(CommitResult.COMMITTED,
                    null));
            assertThat(answers.get(1)).isEqualTo(new io.seqtrack.core.port.in.CommitThenClaim(CommitResult.COMMITTED,
                    null));
            assertThat(answers.get(2).next().status()).as("a disabled domain claims without the store")
                    .isEqualTo(ClaimStatus.CLAIMED);
            assertThat(store.state(USER).lastCommitted()).isEqualTo(1);
            assertThat(store.state(USER).claim()).isEmpty();
        }

        @Test
        void commitAndClaimAllRefusesANextEventThatIsNotTheNextOfItsClaimAndChangesNothing() {
            ClaimDecision u1 = tracker.claim(event("user_account", "u-1", 1), "worker-1");
            assertThatThrownBy(() -> tracker.commitAndClaimAll(java.util.List.of(u1),
                    java.util.List.of(event("user_account", "u-1", 3)), "worker-1"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be user_account/u-1 #2");
            assertThatThrownBy(() -> tracker.commitAndClaimAll(java.util.List.of(u1),
                    java.util.List.of(event("user_account", "u-2", 2)), "worker-1"))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> tracker.commitAndClaimAll(java.util.List.of(u1), java.util.List.of(), "worker-1"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one next (or null) per claim");
            assertThat(store.state(USER).lastCommitted()).isZero();
            assertThat(store.state(USER).claim()).hasValueSatisfying(c -> assertThat(c.sequence()).isEqualTo(1));
        }

        @Test
        void claimThenCommitAdvancesOnlyAtCommit() {
            ClaimDecision claim = tracker.claim(event("user_account", "u-1", 1), "worker-1");
            assertThat(claim.status()).isEqualTo(ClaimStatus.CLAIMED);
            assertThat(claim.key()).isEqualTo(USER);
            assertThat(claim.mode()).isEqualTo(TrackingMode.STRICT);
            assertThat(claim.sequence()).isEqualTo(1);
            assertThat(claim.lastCommitted()).isZero();
            assertThat(claim.fencingToken()).isPositive();
            assertThat(claim.busyHolder()).isEmpty();

            // claimed with the domain's lease, nothing committed yet
            AggregateState during = store.state(USER);
            assertThat(during.lastCommitted()).isZero();
            assertThat(during.claim()).contains(new ActiveClaim("worker-1", 1, claim.fencingToken(),
                    FakeSequenceStore.START.plus(USER_LEASE)));

            assertThat(tracker.commit(claim)).isEqualTo(CommitResult.COMMITTED);
            assertThat(store.state(USER).lastCommitted()).isEqualTo(1);
            assertThat(store.state(USER).claim()).isEmpty();

            // retry after an unknown outcome
            assertThat(tracker.commit(claim)).isEqualTo(CommitResult.ALREADY_COMMITTED);

            assertThat(store.calls()).containsExactly(
                    "claim user_account/u-1 1 STRICT worker-1 PT45S",
                    "commit user_account/u-1 1 " + claim.fencingToken(),
                    "commit user_account/u-1 1 " + claim.fencingToken());
        }

        @Test
        void duplicateAndGapAreReportedAndCannotBeCommittedOrReleased() {
            tracker.commit(tracker.claim(event("user_account", "u-1", 1), "w"));
            int callsBefore = store.calls().size();

            ClaimDecision dup = tracker.claim(event("user_account", "u-1", 1), "w");
            assertThat(dup.status()).isEqualTo(ClaimStatus.DUPLICATE);
            assertThat(dup.lastCommitted()).isEqualTo(1);
            assertThat(dup.fencingToken()).isZero();
            assertThat(dup.claimed()).isFalse();

            ClaimDecision gap = tracker.claim(event("user_account", "u-1", 5), "w");
            assertThat(gap.status()).isEqualTo(ClaimStatus.GAP);
            assertThat(gap.lastCommitted()).isEqualTo(1);

            int callsAfterClaims = store.calls().size();
            assertThat(callsAfterClaims).isEqualTo(callsBefore + 2);
            for (ClaimDecision notClaimed : List.of(dup, gap)) {
                assertThatIllegalArgumentException().isThrownBy(() -> tracker.commit(notClaimed))
                        .withMessageContaining("commit")
                        .withMessageContaining(notClaimed.status().name())
                        .withMessageContaining("user_account/u-1");
                assertThatIllegalArgumentException().isThrownBy(() -> tracker.release(notClaimed))
                        .withMessageContaining("release")
                        .withMessageContaining(notClaimed.status().name());
            }
            assertThat(store.calls()).hasSize(callsAfterClaims);
        }

        @Test
        void busyWhileAnotherWorkerHoldsTheClaim() {
            ClaimDecision a = tracker.claim(event("user_account", "u-1", 1), "worker-a");
            ClaimDecision b = tracker.claim(event("user_account", "u-1", 1), "worker-b");

            assertThat(b.status()).isEqualTo(ClaimStatus.BUSY);
            assertThat(b.fencingToken()).isZero();
            assertThat(b.busyHolder()).contains(new ActiveClaim("worker-a", 1, a.fencingToken(),
                    FakeSequenceStore.START.plus(USER_LEASE)));
            assertThatIllegalArgumentException().isThrownBy(() -> tracker.commit(b));
            assertThatIllegalArgumentException().isThrownBy(() -> tracker.release(b));
        }

        @Test
        void releaseAfterAHandlerFailureLetsTheEventBeHandledAgain() {
            ClaimDecision a = tracker.claim(event("user_account", "u-1", 1), "worker-a");
            assertThat(tracker.release(a)).isEqualTo(ReleaseResult.RELEASED);
            assertThat(store.state(USER).lastCommitted()).as("release never advances").isZero();
            assertThat(store.calls()).contains("release user_account/u-1 1 " + a.fencingToken());

            ClaimDecision b = tracker.claim(event("user_account", "u-1", 1), "worker-b");
            assertThat(b.claimed()).isTrue();
            assertThat(b.fencingToken()).isGreaterThan(a.fencingToken());

            assertThat(tracker.commit(a)).as("the released claim is gone").isEqualTo(CommitResult.CLAIM_LOST);
            assertThat(tracker.release(a)).isEqualTo(ReleaseResult.NOT_HELD);
            assertThat(tracker.commit(b)).isEqualTo(CommitResult.COMMITTED);
            assertThat(store.state(USER).lastCommitted()).isEqualTo(1);
        }

        @Test
        void aWorkerPausedPastItsLeaseIsFenced() {
            ClaimDecision paused = tracker.claim(event("user_account", "u-1", 1), "worker-a");
            store.advanceClock(USER_LEASE.plusMillis(1));

            ClaimDecision takeover = tracker.claim(event("user_account", "u-1", 1), "worker-b");
            assertThat(takeover.claimed()).isTrue();
            assertThat(takeover.fencingToken()).isGreaterThan(paused.fencingToken());

            assertThat(tracker.commit(paused)).isEqualTo(CommitResult.CLAIM_LOST);
            assertThat(store.state(USER).lastCommitted()).isZero();
            assertThat(tracker.commit(takeover)).isEqualTo(CommitResult.COMMITTED);
        }

        @Test
        void monotonicClaimsAcceptJumps() {
            ClaimDecision c = tracker.claim(event("clicks", "k-1", 40), "w");
            assertThat(c.claimed()).isTrue();
            tracker.commit(c);
            assertThat(tracker.claim(event("clicks", "k-1", 39), "w").status()).isEqualTo(ClaimStatus.DUPLICATE);
            assertThat(tracker.claim(event("clicks", "k-1", 41), "w").status()).isEqualTo(ClaimStatus.CLAIMED);
        }

        @Test
        void nullDecisionIsRejected() {
            assertThatNullPointerException().isThrownBy(() -> tracker.commit(null)).withMessage("claim");
            assertThatNullPointerException().isThrownBy(() -> tracker.release(null)).withMessage("claim");
            assertThat(store.calls()).isEmpty();
        }
    }

    // ================================================================================================ store failures

    @Nested
    class StoreFailures {

        private final IllegalStateException driverError = new IllegalStateException("connection refused");
        private final MisbehavingSequenceStore down = MisbehavingSequenceStore.throwing(driverError);
        private final SequenceTracker overDown = new SequenceTrackerService(registry(), down);
        private final ClaimDecision claimed =
                new ClaimDecision(USER, TrackingMode.STRICT, ClaimStatus.CLAIMED, 2, 1, 7, null);

        @Test
        void everyOperationFailsClosedWithTheCauseAttached() {
            assertStoreFailure(() -> overDown.advance(event("user_account", "u-1", 1)), "advance");
            assertStoreFailure(() -> overDown.claim(event("user_account", "u-1", 1), "w"), "claim");
            assertStoreFailure(() -> overDown.commit(claimed), "commit");
            assertStoreFailure(() -> overDown.release(claimed), "release");
            assertThat(down.calls()).containsExactly("advance", "claim", "commit", "release");
        }

        private void assertStoreFailure(org.assertj.core.api.ThrowableAssert.ThrowingCallable call,
                String operation) {
            assertThatThrownBy(call)
                    .isInstanceOfSatisfying(SequenceStoreException.class, e -> {
                        assertThat(e.key()).contains(USER);
                        assertThat(e).hasCause(driverError);
                        assertThat(e.getCause()).isSameAs(driverError);
                        assertThat(e.getMessage())
                                .contains(operation)
                                .contains("user_account/u-1")
                                .contains("outcome unknown")
                                .contains("connection refused");
                    });
        }

        @Test
        void aStoreExceptionFromTheAdapterIsPassedOnUnchanged() {
            SequenceStoreException own = SequenceStoreException.corrupted(USER, "last committed is 'abc'");
            SequenceTracker t = new SequenceTrackerService(registry(), MisbehavingSequenceStore.throwing(own));
            assertThatThrownBy(() -> t.advance(event("user_account", "u-1", 1))).isSameAs(own);
            assertThatThrownBy(() -> t.commit(claimed)).isSameAs(own);
        }

        @ParameterizedTest
        @EnumSource(Entry.class)
        void anyRuntimeExceptionFromTheAdapterBecomesAStoreException(Entry entry) {
            for (RuntimeException failure : List.of(new UnsupportedOperationException(), new ArithmeticException("x"),
                    new NullPointerException("driver bug"), new java.io.UncheckedIOException(
                            new java.io.IOException("reset by peer")))) {
                SequenceTracker t = new SequenceTrackerService(registry(), MisbehavingSequenceStore.throwing(failure));
                assertThatThrownBy(() -> entry.call(t, event("user_account", "u-1", 1)))
                        .isInstanceOf(SequenceStoreException.class)
                        .hasCause(failure);
            }
        }

        @Test
        void aNullAnswerFailsClosedForEveryOperation() {
            MisbehavingSequenceStore silent = MisbehavingSequenceStore.answeringNull();
            SequenceTracker t = new SequenceTrackerService(registry(), silent);
            for (var call : List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
                    () -> t.advance(event("user_account", "u-1", 1)),
                    () -> t.claim(event("user_account", "u-1", 1), "w"),
                    () -> t.commit(claimed),
                    () -> t.release(claimed))) {
                assertThatThrownBy(call)
                        .isInstanceOfSatisfying(SequenceStoreException.class, e -> {
                            assertThat(e.key()).contains(USER);
                            assertThat(e.getMessage()).contains("user_account/u-1").contains("no answer");
                        });
            }
            assertThat(silent.calls()).containsExactly("advance", "claim", "commit", "release");
        }
    }

    // ================================================================================================ regressions

    /** An application event type with its own event type name; the tracker must ignore the type. */
    record TypedEvent(String domain, String aggregateId, String type, long version) implements TrackedEvent {
        @Override
        public OptionalLong sequence() {
            return OptionalLong.empty();
        }

        @Override
        public OptionalLong aggregateVersion() {
            return OptionalLong.of(version);
        }
    }

    /**
     * Failure 3 of the replaced system: one counter per (domain, event type) fed with the aggregate-wide version,
     * so every type saw "gaps" where other types' events were. There must be one counter per aggregate.
     */
    @Test
    void regression3_oneCounterPerAggregateNotPerEventType() {
        SequenceTracker byVersion = new SequenceTrackerService(DomainRegistry.of(
                DomainRegistration.builder("user_account").sequenceSource(SequenceSource.AGGREGATE_VERSION).build()),
                store);
        List<TypedEvent> history = List.of(
                new TypedEvent("user_account", "u-42", "AccountCreated", 1),
                new TypedEvent("user_account", "u-7", "AccountCreated", 1),
                new TypedEvent("user_account", "u-42", "EmailChanged", 2),
                new TypedEvent("user_account", "u-42", "PasswordChanged", 3),
                new TypedEvent("user_account", "u-7", "EmailChanged", 2),
                new TypedEvent("user_account", "u-42", "EmailChanged", 4),
                new TypedEvent("user_account", "u-42", "AccountClosed", 5));

        List<Verdict> verdicts = history.stream().map(e -> byVersion.advance(e).verdict()).toList();

        assertThat(verdicts).containsOnly(Verdict.IN_ORDER).hasSize(history.size());
        assertThat(store.snapshot()).containsOnlyKeys(
                AggregateKey.of("user_account", "u-42"), AggregateKey.of("user_account", "u-7"));
        assertThat(store.state(AggregateKey.of("user_account", "u-42")).lastCommitted()).isEqualTo(5);
        assertThat(store.state(AggregateKey.of("user_account", "u-7")).lastCommitted()).isEqualTo(2);

        // a redelivered event of a type seen only once is still a duplicate: the aggregate's counter decides
        TrackingDecision redelivered = byVersion.advance(new TypedEvent("user_account", "u-42", "PasswordChanged", 3));
        assertThat(redelivered.verdict()).isEqualTo(Verdict.DUPLICATE);
        assertThat(redelivered.lastCommitted()).isEqualTo(5);
        // and a real gap is still a gap, whatever the type
        assertThat(byVersion.advance(new TypedEvent("user_account", "u-42", "EmailChanged", 7)).verdict())
                .isEqualTo(Verdict.GAP);
    }

    /**
     * Failure 5 of the replaced system: an unreachable Redis read as {@code last = 0}, so every event was
     * misclassified. The tracker must fail closed instead: no verdict, the cause attached.
     */
    @Test
    void regression5_unreachableStoreFailsClosedInsteadOfReadingZero() {
        IllegalStateException driverError = new IllegalStateException("Unable to connect to localhost:6379");
        MisbehavingSequenceStore unreachable = MisbehavingSequenceStore.throwing(driverError);
        SequenceTracker t = new SequenceTrackerService(registry(), unreachable);

        // with last = 0 assumed, sequence 1 would wrongly be IN_ORDER and 2 a GAP
        for (long seq : new long[] {1, 2}) {
            assertThatThrownBy(() -> t.advance(event("user_account", "u-1", seq)))
                    .isInstanceOfSatisfying(SequenceStoreException.class, e -> {
                        assertThat(e.key()).contains(USER);
                        assertThat(e.getMessage()).contains("user_account/u-1").contains("Unable to connect");
                        assertThat(e.getCause()).isSameAs(driverError);
                    });
        }
        assertThatThrownBy(() -> t.claim(event("user_account", "u-1", 1), "w"))
                .isInstanceOf(SequenceStoreException.class)
                .hasCause(driverError);

        // a store that answers nothing is no better than one that cannot be reached
        SequenceTracker overSilent = new SequenceTrackerService(registry(), MisbehavingSequenceStore.answeringNull());
        assertThatThrownBy(() -> overSilent.advance(event("user_account", "u-1", 1)))
                .isInstanceOfSatisfying(SequenceStoreException.class,
                        e -> assertThat(e.key()).contains(USER));
        assertThatThrownBy(() -> overSilent.claim(event("user_account", "u-1", 1), "w"))
                .isInstanceOf(SequenceStoreException.class);
    }

    /** Failure 8 of the replaced system: a missing sequence number defaulted to 1. */
    @Test
    void regression8_missingSequenceIsRejectedNotDefaultedToOne() {
        // on a fresh aggregate a defaulted 1 would be IN_ORDER and advance the store: exactly what must not happen
        TrackedEvent noSequence = withoutSequence("user_account", "u-new");

        assertThatThrownBy(() -> tracker.advance(noSequence))
                .isInstanceOfSatisfying(InvalidEventException.class, e -> {
                    assertThat(e.field()).isEqualTo("sequence");
                    assertThat(e.getMessage()).contains("user_account/u-new").contains("never defaulted");
                });
        assertThatThrownBy(() -> tracker.claim(noSequence, "w"))
                .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.field()).isEqualTo("sequence"));
        assertThatThrownBy(() -> tracker.advance(withoutSequence("orders", "o-new")))
                .isInstanceOfSatisfying(InvalidEventException.class,
                        e -> assertThat(e.field()).isEqualTo("aggregateVersion"));

        assertThat(store.calls()).isEmpty();
        assertThat(store.snapshot()).isEmpty();

        // the same aggregate with an explicit 1 is fine
        assertThat(tracker.advance(event("user_account", "u-new", 1)).verdict()).isEqualTo(Verdict.IN_ORDER);
    }
}
