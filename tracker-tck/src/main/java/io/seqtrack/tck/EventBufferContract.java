package io.seqtrack.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.BufferResult;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.ParkedEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every {@link EventBuffer} adapter must pass. Extend it in your adapter's tests:
 *
 * <pre>{@code
 * class MyBufferTest extends EventBufferContract {
 *     protected EventBuffer createBuffer() { return new MyBuffer(freshNamespace()); }
 * }
 * }</pre>
 *
 * <p>Each test gets a buffer from {@link #createBuffer()} that must hold nothing at all — no pending or parked event,
 * {@code pendingCount() == 0} (for a shared server, give each buffer its own key prefix). A buffer
 * is closed ({@link EventBuffer#close()}) after the test. The concurrency tests use real threads, bounded in count and
 * time, and never sleep.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class EventBufferContract {

    /** A generous limit for tests that are not about the limit. */
    protected static final int NO_LIMIT = 1_000_000;

    /** A fixed instant with nanoseconds, so that a lossy time encoding shows. */
    protected static final Instant RECEIVED = Instant.parse("2026-01-01T00:00:00.123456789Z");

    /** The buffer under test, fresh for every test. */
    protected EventBuffer buffer;

    /** A new buffer that holds nothing. Called once per test. */
    protected abstract EventBuffer createBuffer();

    @BeforeEach
    void openBuffer() {
        buffer = createBuffer();
    }

    @AfterEach
    void closeBuffer() {
        buffer.close();
    }

    protected static AggregateKey key(String id) {
        return AggregateKey.of("tck_domain", id);
    }

    /** An event whose id, type and payload are derived from its sequence. */
    protected static BufferedEvent event(long seq) {
        return new BufferedEvent(seq, "evt-" + seq, "Type" + (seq % 3),
                ("payload of " + seq).getBytes(StandardCharsets.UTF_8), RECEIVED.plusSeconds(seq % 1000));
    }

    protected static ParkedEvent parkedEvent(long seq) {
        return new ParkedEvent(event(seq), "handler failed 5 times: IOException: disk " + seq,
                Instant.parse("2026-02-03T04:05:06.000000007Z").plusMillis(seq % 1000));
    }

    private static List<Long> sequencesOf(List<BufferedEvent> events) {
        return events.stream().map(BufferedEvent::sequence).toList();
    }

    private static List<Long> parkedSequencesOf(List<ParkedEvent> events) {
        return events.stream().map(ParkedEvent::sequence).toList();
    }

    // ---------------------------------------------------------------- empty

    @Test
    void freshBuffer_holdsNothing() {
        AggregateKey k = key("never-seen");
        assertThat(buffer.pending(k)).isEmpty();
        assertThat(buffer.parked(k)).isEmpty();
        assertThat(buffer.removePending(k, 1)).isFalse();
        assertThat(buffer.removeParked(k, 1)).isFalse();
        assertThat(buffer.aggregatesWithPending()).isEmpty();
        assertThat(buffer.parkedAggregates()).isEmpty();
        assertThat(buffer.pendingCount()).isZero();
    }

    // ---------------------------------------------------------------- add and pending

    @Test
    void add_pendingComesBackInAscendingSequenceOrderWhateverTheInsertOrder() {
        AggregateKey k = key("ordered");
        List<Long> sequences = new ArrayList<>();
        for (long seq = 2; seq <= 120; seq += 3) {
            sequences.add(seq);
        }
        sequences.addAll(List.of(9L, 10L, 99L, 100L, 102L, 1000L, 10_000L));
        List<Long> shuffled = new ArrayList<>(sequences);
        Collections.shuffle(shuffled, new Random(42));
        for (long seq : shuffled) {
            assertThat(buffer.add(k, event(seq), NO_LIMIT)).as("add %d", seq).isEqualTo(BufferResult.ADDED);
        }
        List<Long> expected = sequences.stream().sorted().toList();
        assertThat(sequencesOf(buffer.pending(k))).containsExactlyElementsOf(expected);
        assertThat(buffer.pending(k)).containsExactlyElementsOf(expected.stream().map(EventBufferContract::event)
                .toList());
    }

    @Test
    void add_sameSequenceAgainIsAlreadyBufferedAndKeepsTheFirstEvent() {
        AggregateKey k = key("idempotent");
        BufferedEvent first = new BufferedEvent(5, "first", "Created", new byte[] {1, 2, 3}, RECEIVED);
        BufferedEvent redelivered = new BufferedEvent(5, "second", "Changed", new byte[] {9}, RECEIVED.plusSeconds(9));
        assertThat(buffer.add(k, first, NO_LIMIT)).isEqualTo(BufferResult.ADDED);
        assertThat(buffer.add(k, first, NO_LIMIT)).isEqualTo(BufferResult.ALREADY_BUFFERED);
        assertThat(buffer.add(k, redelivered, NO_LIMIT)).isEqualTo(BufferResult.ALREADY_BUFFERED);
        assertThat(buffer.pending(k)).containsExactly(first);
        assertThat(buffer.pendingCount()).isEqualTo(1);
    }

    /**
     * The replaced system kept 100 pending events per aggregate and silently dropped the oldest to make room for the
     * 101st — the very event the aggregate was waiting for could vanish. A full buffer must refuse the newcomer and
     * keep everything it holds.
     */
    @Test
    void regression6_fullBufferRejectsInsteadOfDroppingTheOldest() {
        AggregateKey k = key("full");
        for (long seq = 2; seq <= 101; seq++) {
            assertThat(buffer.add(k, event(seq), 100)).isEqualTo(BufferResult.ADDED);
        }
        assertThat(buffer.add(k, event(102), 100)).isEqualTo(BufferResult.FULL);
        assertThat(buffer.add(k, event(1_000), 100)).isEqualTo(BufferResult.FULL);

        List<BufferedEvent> held = buffer.pending(k);
        assertThat(held).hasSize(100);
        assertThat(held.get(0)).as("the oldest is still there").isEqualTo(event(2));
        assertThat(sequencesOf(held)).containsExactlyElementsOf(LongStream.rangeClosed(2, 101).boxed().toList());
        assertThat(buffer.pendingCount()).isEqualTo(100);

        assertThat(buffer.add(k, event(2), 100)).as("a redelivery of a held event is not FULL")
                .isEqualTo(BufferResult.ALREADY_BUFFERED);
        assertThat(buffer.add(key("other"), event(2), 100)).as("the limit is per aggregate")
                .isEqualTo(BufferResult.ADDED);
    }

    @Test
    void add_fullAggregateAcceptsAgainOnceAnEventLeavesPending() {
        AggregateKey k = key("full-then-room");
        for (long seq = 10; seq < 13; seq++) {
            buffer.add(k, event(seq), 3);
        }
        assertThat(buffer.add(k, event(20), 3)).isEqualTo(BufferResult.FULL);
        assertThat(buffer.removePending(k, 10)).isTrue();
        assertThat(buffer.add(k, event(20), 3)).isEqualTo(BufferResult.ADDED);
        assertThat(buffer.add(k, event(21), 3)).isEqualTo(BufferResult.FULL);
        buffer.park(k, parkedEvent(11));
        assertThat(buffer.add(k, event(21), 3)).as("parked events do not count against the pending limit")
                .isEqualTo(BufferResult.ADDED);
        assertThat(sequencesOf(buffer.pending(k))).containsExactly(12L, 20L, 21L);
    }

    @Test
    void add_rejectsInvalidArgumentsAndChangesNothing() {
        AggregateKey k = key("arguments");
        assertThatThrownBy(() -> buffer.add(k, event(1), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxPerAggregate");
        assertThatThrownBy(() -> buffer.add(null, event(1), 10)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> buffer.add(k, null, 10)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> buffer.park(k, null)).isInstanceOf(NullPointerException.class);
        assertThat(buffer.pending(k)).isEmpty();
        assertThat(buffer.pendingCount()).isZero();
    }

    // ---------------------------------------------------------------- removePending

    @Test
    void removePending_removesExactlyThatSequenceAndSaysWhetherItWasThere() {
        AggregateKey k = key("remove");
        for (long seq : List.of(3L, 4L, 5L)) {
            buffer.add(k, event(seq), NO_LIMIT);
        }
        assertThat(buffer.removePending(k, 4)).isTrue();
        assertThat(buffer.removePending(k, 4)).isFalse();
        assertThat(buffer.removePending(k, 6)).isFalse();
        assertThat(buffer.removePending(key("elsewhere"), 3)).isFalse();
        assertThat(sequencesOf(buffer.pending(k))).containsExactly(3L, 5L);
        assertThat(buffer.pendingCount()).isEqualTo(2);
        assertThat(buffer.add(k, event(4), NO_LIMIT)).as("a removed sequence can be buffered again")
                .isEqualTo(BufferResult.ADDED);
    }

    // ---------------------------------------------------------------- park

    @Test
    void park_movesAnEventOutOfPending() {
        AggregateKey k = key("park");
        for (long seq : List.of(7L, 8L, 9L)) {
            buffer.add(k, event(seq), NO_LIMIT);
        }
        buffer.park(k, parkedEvent(8));
        assertThat(sequencesOf(buffer.pending(k))).containsExactly(7L, 9L);
        assertThat(buffer.parked(k)).containsExactly(parkedEvent(8));
        assertThat(buffer.pendingCount()).isEqualTo(2);
        assertThat(buffer.removePending(k, 8)).isFalse();
    }

    @Test
    void park_ofAnEventThatWasNotPendingParksItAndIsIdempotentPerSequence() {
        AggregateKey k = key("park-direct");
        ParkedEvent first = parkedEvent(3);
        buffer.park(k, first);
        buffer.park(k, first);
        buffer.park(k, new ParkedEvent(event(3), "another reason", Instant.EPOCH));
        assertThat(buffer.parked(k)).containsExactly(first);
        assertThat(buffer.pending(k)).isEmpty();
        assertThat(buffer.pendingCount()).isZero();
        assertThat(buffer.aggregatesWithPending()).isEmpty();
    }

    @Test
    void parked_comeBackInAscendingSequenceOrder() {
        AggregateKey k = key("parked-order");
        List<Long> sequences = new ArrayList<>(LongStream.rangeClosed(1, 40).map(i -> i * i).boxed().toList());
        Collections.shuffle(sequences, new Random(7));
        for (long seq : sequences) {
            buffer.park(k, parkedEvent(seq));
        }
        List<Long> expected = sequences.stream().sorted().toList();
        assertThat(parkedSequencesOf(buffer.parked(k))).containsExactlyElementsOf(expected);
        assertThat(buffer.parked(k)).containsExactlyElementsOf(
                expected.stream().map(EventBufferContract::parkedEvent).toList());
    }

    @Test
    void removeParked_removesExactlyThatSequenceAndSaysWhetherItWasThere() {
        AggregateKey k = key("remove-parked");
        buffer.park(k, parkedEvent(1));
        buffer.park(k, parkedEvent(2));
        assertThat(buffer.removeParked(k, 1)).isTrue();
        assertThat(buffer.removeParked(k, 1)).isFalse();
        assertThat(buffer.removeParked(k, 3)).isFalse();
        assertThat(buffer.parked(k)).containsExactly(parkedEvent(2));
        buffer.add(k, event(5), NO_LIMIT);
        assertThat(buffer.removeParked(k, 5)).as("pending is not parked").isFalse();
        assertThat(buffer.pending(k)).containsExactly(event(5));
    }

    // ---------------------------------------------------------------- aggregate listings

    @Test
    void aggregatesWithPending_listsEveryAggregateWithAPendingEventAndShrinksWhenEmptied() {
        AggregateKey a = key("a");
        AggregateKey b = key("b");
        AggregateKey c = AggregateKey.of("other_domain", "a");
        buffer.add(a, event(2), NO_LIMIT);
        buffer.add(a, event(3), NO_LIMIT);
        buffer.add(b, event(5), NO_LIMIT);
        buffer.add(c, event(9), NO_LIMIT);
        buffer.park(key("parked-only"), parkedEvent(4));
        assertThat(buffer.aggregatesWithPending()).containsExactlyInAnyOrder(a, b, c);

        buffer.removePending(a, 2);
        assertThat(buffer.aggregatesWithPending()).containsExactlyInAnyOrder(a, b, c);
        buffer.removePending(a, 3);
        assertThat(buffer.aggregatesWithPending()).containsExactlyInAnyOrder(b, c);
        buffer.park(b, parkedEvent(5));
        assertThat(buffer.aggregatesWithPending()).containsExactly(c);
        buffer.removePending(c, 9);
        assertThat(buffer.aggregatesWithPending()).isEmpty();
    }

    @Test
    void parkedAggregates_listsEveryAggregateWithAParkedEventAndShrinksWhenEmptied() {
        AggregateKey a = key("a");
        AggregateKey b = AggregateKey.of("other_domain", "b");
        buffer.park(a, parkedEvent(1));
        buffer.park(a, parkedEvent(2));
        buffer.park(b, parkedEvent(1));
        buffer.add(key("pending-only"), event(3), NO_LIMIT);
        assertThat(buffer.parkedAggregates()).containsExactlyInAnyOrder(a, b);
        buffer.removeParked(a, 1);
        assertThat(buffer.parkedAggregates()).containsExactlyInAnyOrder(a, b);
        buffer.removeParked(a, 2);
        assertThat(buffer.parkedAggregates()).containsExactly(b);
        buffer.removeParked(b, 1);
        assertThat(buffer.parkedAggregates()).isEmpty();
    }

    @Test
    void presence_saysPerAskedAggregateWhetherItHasParkedAndPendingEvents() {
        AggregateKey both = key("presence-both");
        AggregateKey parkedOnly = AggregateKey.of("other_domain", "presence-parked");
        AggregateKey pendingOnly = key("presence-pending");
        AggregateKey neither = key("presence-neither");
        AggregateKey notAsked = key("presence-not-asked");
        buffer.add(both, event(4), NO_LIMIT);
        buffer.park(both, parkedEvent(2));
        buffer.park(parkedOnly, parkedEvent(1));
        buffer.add(pendingOnly, event(3), NO_LIMIT);
        buffer.add(notAsked, event(3), NO_LIMIT);
        buffer.park(notAsked, parkedEvent(1));

        io.seqtrack.core.port.out.BufferPresence presence =
                buffer.presence(List.of(both, parkedOnly, pendingOnly, neither));
        assertThat(presence.parked()).containsExactlyInAnyOrder(both, parkedOnly);
        assertThat(presence.pending()).containsExactlyInAnyOrder(both, pendingOnly);

        buffer.removeParked(both, 2);
        buffer.removePending(pendingOnly, 3);
        presence = buffer.presence(List.of(both, pendingOnly));
        assertThat(presence.parked()).isEmpty();
        assertThat(presence.pending()).containsExactly(both);
        assertThat(buffer.presence(List.of()).parked()).isEmpty();
    }

    @Test
    void presence_answersForManyAggregatesAtOnce() {
        List<AggregateKey> asked = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            AggregateKey k = AggregateKey.of("many_" + (i % 3), "presence-" + i);
            asked.add(k);
            if (i % 2 == 0) {
                buffer.park(k, parkedEvent(1));
            }
            if (i % 3 == 0) {
                buffer.add(k, event(2), NO_LIMIT);
            }
        }
        io.seqtrack.core.port.out.BufferPresence presence = buffer.presence(asked);
        assertThat(presence.parked()).hasSize(100).allMatch(k -> Integer.parseInt(k.aggregateId().substring(9)) % 2 == 0);
        assertThat(presence.pending()).hasSize(67).allMatch(k -> Integer.parseInt(k.aggregateId().substring(9)) % 3 == 0);
    }

    @Test
    void aggregatesWithPending_findsManyAggregates() {
        Set<AggregateKey> expected = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            AggregateKey k = AggregateKey.of("many_" + (i % 3), "agg-" + i);
            expected.add(k);
            buffer.add(k, event(2 + i % 5), NO_LIMIT);
            if (i % 2 == 0) {
                buffer.park(k, parkedEvent(1));
            }
        }
        assertThat(buffer.aggregatesWithPending()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(buffer.parkedAggregates()).hasSize(150);
        assertThat(buffer.pendingCount()).isEqualTo(300);
    }


    // ---------------------------------------------------------------- payloads and fields

    @Test
    void payload_emptyBinaryAndLargeRoundTripExactly() {
        AggregateKey k = key("payloads");
        byte[] everyByte = new byte[512];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        byte[] large = new byte[1 << 20];
        new Random(11).nextBytes(large);
        byte[] zeros = new byte[1000];
        List<BufferedEvent> events = List.of(
                new BufferedEvent(2, "", "", new byte[0], RECEIVED),
                new BufferedEvent(3, "e3", "T", null, RECEIVED),
                new BufferedEvent(4, "e4", "Binary", everyByte, RECEIVED),
                new BufferedEvent(5, "e5", "Large", large, RECEIVED),
                new BufferedEvent(6, "e6", "Zeros", zeros, RECEIVED),
                new BufferedEvent(7, "é-日本語-🙂\0:{x}%", "type with spaces\nand lines", new byte[] {0}, Instant.EPOCH),
                new BufferedEvent(8, "x".repeat(5000), "t", new byte[] {(byte) 0xff, 0, (byte) 0x80},
                        Instant.parse("1969-12-31T23:59:59.999999999Z")),
                new BufferedEvent(9, "max-instant", "t", new byte[] {1}, Instant.MAX),
                new BufferedEvent(10, "min-instant", "t", new byte[] {1}, Instant.MIN));
        for (BufferedEvent e : events) {
            assertThat(buffer.add(k, e, NO_LIMIT)).isEqualTo(BufferResult.ADDED);
        }
        List<BufferedEvent> back = buffer.pending(k);
        assertThat(back).containsExactlyElementsOf(events);
        assertThat(back.get(0).payload()).isEmpty();
        assertThat(back.get(2).payload()).isEqualTo(everyByte);
        assertThat(back.get(3).payload()).isEqualTo(large);
    }

    @Test
    void parkedEvents_keepEventReasonAndTimeExactly() {
        AggregateKey k = key("parked-fields");
        byte[] everyByte = new byte[256];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        byte[] large = new byte[1 << 20];
        new Random(12).nextBytes(large);
        List<ParkedEvent> parked = List.of(
                new ParkedEvent(new BufferedEvent(1, "", "", new byte[0], RECEIVED), "", Instant.EPOCH),
                new ParkedEvent(new BufferedEvent(2, "e2", "T", everyByte, RECEIVED),
                        "handler failed 5 times: IOException: ü\nstack\0trace", RECEIVED.plusNanos(1)),
                new ParkedEvent(new BufferedEvent(3, "e3", "T", large, RECEIVED), "r".repeat(10_000), RECEIVED));
        buffer.add(k, parked.get(1).event(), NO_LIMIT);
        parked.forEach(p -> buffer.park(k, p));
        assertThat(buffer.parked(k)).containsExactlyElementsOf(parked);
        assertThat(buffer.parked(k).get(2).event().payload()).isEqualTo(large);
        assertThat(buffer.pending(k)).isEmpty();
    }

    // ---------------------------------------------------------------- keys

    @Test
    void keys_areInjective_separatorInDomainOrIdDoesNotCollide() {
        AggregateKey left = AggregateKey.of("a", "b:c");
        AggregateKey right = AggregateKey.of("a:b", "c");
        buffer.add(left, event(2), NO_LIMIT);
        assertThat(buffer.pending(right)).isEmpty();
        assertThat(buffer.add(right, event(2), 1)).isEqualTo(BufferResult.ADDED);
        buffer.add(left, event(3), NO_LIMIT);
        buffer.park(right, parkedEvent(9));

        assertThat(sequencesOf(buffer.pending(left))).containsExactly(2L, 3L);
        assertThat(sequencesOf(buffer.pending(right))).containsExactly(2L);
        assertThat(buffer.parked(left)).isEmpty();
        assertThat(parkedSequencesOf(buffer.parked(right))).containsExactly(9L);
        assertThat(buffer.aggregatesWithPending()).containsExactlyInAnyOrder(left, right);
        assertThat(buffer.parkedAggregates()).containsExactly(right);
    }

    @Test
    void keys_withSpecialCharactersAreHeldIndependentlyAndListedExactly() {
        List<String> ids = List.of("{user}", "user", "}{", "{", "}", "a:b", "a%3Ab", "a%b", "%", "a b", "a+b", " x",
                "ünïcødé-日本語-🙂", "line\nbreak", "nul\0char", "\0", "\u0001", "tab\tid", "x".repeat(1000),
                "x".repeat(999), "y".repeat(1024), "seqtrack:tck_domain:x", "{tck_domain}:x", "x}:pi", "x}:p:1",
                "*", "?", "[a]", "\\", "123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000");
        Set<AggregateKey> expected = new HashSet<>();
        for (int i = 0; i < ids.size(); i++) {
            AggregateKey k = AggregateKey.of("tck_domain", ids.get(i));
            expected.add(k);
            assertThat(buffer.add(k, event(i + 2), 1)).as("id #%d %s", i, ids.get(i)).isEqualTo(BufferResult.ADDED);
            buffer.park(k, parkedEvent(1000 + i));
        }
        for (int i = 0; i < ids.size(); i++) {
            AggregateKey k = AggregateKey.of("tck_domain", ids.get(i));
            assertThat(sequencesOf(buffer.pending(k))).as("pending of id #%d %s", i, ids.get(i))
                    .containsExactly(i + 2L);
            assertThat(parkedSequencesOf(buffer.parked(k))).containsExactly(1000L + i);
        }
        assertThat(buffer.aggregatesWithPending()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(buffer.parkedAggregates()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(buffer.pendingCount()).isEqualTo(ids.size());
        assertThat(buffer.pending(AggregateKey.of("tck_domain", "never"))).isEmpty();
    }

    @Test
    void keys_domainsWithSpecialCharactersAreHeldIndependently() {
        List<String> domains = List.of("d", "d:", "{d}", "d%", "d d", "δ", "d\n", "d\0", "*", "d".repeat(64));
        for (int i = 0; i < domains.size(); i++) {
            buffer.add(AggregateKey.of(domains.get(i), "same-id"), event(i + 2), NO_LIMIT);
        }
        for (int i = 0; i < domains.size(); i++) {
            assertThat(sequencesOf(buffer.pending(AggregateKey.of(domains.get(i), "same-id")))).containsExactly(i + 2L);
        }
        assertThat(buffer.aggregatesWithPending()).containsExactlyInAnyOrderElementsOf(
                domains.stream().map(d -> AggregateKey.of(d, "same-id")).collect(Collectors.toSet()));
    }

    // ---------------------------------------------------------------- sequences

    @Test
    void sequences_upToLongMaxValueAreOrderedAndDistinguishedExactly() {
        AggregateKey k = key("big-sequences");
        // 2^53 and 2^53 + 1 are the same double: a store that orders or matches by a double score confuses them
        List<Long> sequences = List.of(0L, 1L, 2L, 255L, 256L, 65_536L, (1L << 31) - 1, 1L << 31, (1L << 32) + 1,
                1L << 53, (1L << 53) + 1, (1L << 53) + 2, (1L << 62), Long.MAX_VALUE - 2, Long.MAX_VALUE - 1,
                Long.MAX_VALUE);
        List<Long> shuffled = new ArrayList<>(sequences);
        Collections.shuffle(shuffled, new Random(3));
        for (long seq : shuffled) {
            assertThat(buffer.add(k, event(seq), NO_LIMIT)).as("add %d", seq).isEqualTo(BufferResult.ADDED);
            buffer.park(k, parkedEvent(seq));
            buffer.add(k, event(seq), NO_LIMIT);
        }
        for (long seq : shuffled) {
            assertThat(buffer.add(k, event(seq), NO_LIMIT)).as("re-add %d", seq)
                    .isEqualTo(BufferResult.ALREADY_BUFFERED);
        }
        assertThat(sequencesOf(buffer.pending(k))).containsExactlyElementsOf(sequences);
        assertThat(buffer.pending(k)).containsExactlyElementsOf(sequences.stream().map(EventBufferContract::event)
                .toList());
        assertThat(parkedSequencesOf(buffer.parked(k))).containsExactlyElementsOf(sequences);

        assertThat(buffer.removePending(k, (1L << 53) + 1)).isTrue();
        assertThat(buffer.removePending(k, (1L << 53) + 1)).isFalse();
        assertThat(buffer.removePending(k, Long.MAX_VALUE)).isTrue();
        assertThat(buffer.removeParked(k, 1L << 53)).isTrue();
        assertThat(sequencesOf(buffer.pending(k))).contains(1L << 53, (1L << 53) + 2, Long.MAX_VALUE - 1)
                .doesNotContain((1L << 53) + 1, Long.MAX_VALUE).hasSize(sequences.size() - 2);
        assertThat(parkedSequencesOf(buffer.parked(k))).contains((1L << 53) + 1).doesNotContain(1L << 53);
    }

    // ---------------------------------------------------------------- concurrency

    /** Several threads add the same sequences in their own orders: each sequence is ADDED exactly once and held once. */
    @Test
    void concurrentAdds_holdEveryDistinctSequenceExactlyOnce() throws Exception {
        AggregateKey k = key("concurrent");
        int threads = 4;
        int sequences = 200;
        Map<Long, AtomicInteger> added = new ConcurrentHashMap<>();
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Random random = new Random(t);
            tasks.add(() -> {
                List<Long> order = new ArrayList<>(LongStream.rangeClosed(2, sequences + 1).boxed().toList());
                Collections.shuffle(order, random);
                for (long seq : order) {
                    BufferResult r = buffer.add(k, event(seq), NO_LIMIT);
                    if (r == BufferResult.ADDED) {
                        added.computeIfAbsent(seq, s -> new AtomicInteger()).incrementAndGet();
                    } else if (r != BufferResult.ALREADY_BUFFERED) {
                        throw new AssertionError("unexpected " + r + " for " + seq);
                    }
                }
                return null;
            });
        }
        runAll(tasks);
        assertThat(added).hasSize(sequences);
        assertThat(added.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
        assertThat(sequencesOf(buffer.pending(k)))
                .containsExactlyElementsOf(LongStream.rangeClosed(2, sequences + 1).boxed().toList());
        assertThat(buffer.pendingCount()).isEqualTo(sequences);
    }

    /** Threads race distinct sequences into one aggregate past its limit: exactly the limit is held, nothing evicted. */
    @Test
    void concurrentAdds_neverExceedTheLimit() throws Exception {
        AggregateKey k = key("concurrent-limit");
        int threads = 4;
        int perThread = 50;
        int limit = 60;
        AtomicInteger addedCount = new AtomicInteger();
        AtomicInteger fullCount = new AtomicInteger();
        Set<Long> added = ConcurrentHashMap.newKeySet();
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long base = 2 + (long) t * perThread;
            tasks.add(() -> {
                for (long seq = base; seq < base + perThread; seq++) {
                    switch (buffer.add(k, event(seq), limit)) {
                        case ADDED -> {
                            addedCount.incrementAndGet();
                            added.add(seq);
                        }
                        case FULL -> fullCount.incrementAndGet();
                        default -> throw new AssertionError("unexpected ALREADY_BUFFERED for " + seq);
                    }
                }
                return null;
            });
        }
        runAll(tasks);
        assertThat(addedCount.get()).isEqualTo(limit);
        assertThat(fullCount.get()).isEqualTo(threads * perThread - limit);
        assertThat(sequencesOf(buffer.pending(k))).containsExactlyElementsOf(added.stream().sorted().toList());
        assertThat(buffer.pendingCount()).isEqualTo(limit);
    }

    /** Adds, parks and removals race on one aggregate; afterwards pending, parked and the count agree. */
    @Test
    void concurrentAddParkAndRemove_leaveConsistentState() throws Exception {
        AggregateKey k = key("concurrent-mixed");
        int sequences = 150;
        List<Callable<Void>> tasks = new ArrayList<>();
        tasks.add(() -> {
            for (long seq = 1; seq <= sequences; seq++) {
                buffer.add(k, event(seq), NO_LIMIT);
            }
            return null;
        });
        tasks.add(() -> {
            for (long seq = 1; seq <= sequences; seq += 3) {
                buffer.park(k, parkedEvent(seq));
            }
            return null;
        });
        tasks.add(() -> {
            for (long seq = 2; seq <= sequences; seq += 3) {
                while (!buffer.removePending(k, seq)) {
                    Thread.onSpinWait();
                }
            }
            return null;
        });
        runAll(tasks);
        Set<Long> pending = new HashSet<>(sequencesOf(buffer.pending(k)));
        Set<Long> parked = new HashSet<>(parkedSequencesOf(buffer.parked(k)));
        for (long seq = 1; seq <= sequences; seq++) {
            if (seq % 3 == 2) {
                assertThat(pending).as("removed %d", seq).doesNotContain(seq);
            } else if (seq % 3 == 0) {
                assertThat(pending).as("untouched %d", seq).contains(seq);
            } else {
                assertThat(parked).as("parked %d", seq).contains(seq);
            }
        }
        assertThat(buffer.pendingCount()).isEqualTo(pending.size());
    }

    private static void runAll(List<Callable<Void>> tasks) throws Exception {
        ConcurrencyHarness.runAll(tasks);
    }
}
