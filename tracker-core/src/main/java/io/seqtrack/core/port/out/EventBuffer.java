package io.seqtrack.core.port.out;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceStoreException;
import java.util.List;
import java.util.Set;

/**
 * The SPI for holding events that cannot be handled yet, per aggregate and ordered by sequence: <b>pending</b> events
 * (early: a predecessor is missing) and <b>parked</b> events (sequenced dead letters: a handler gave up, or a gap
 * timed out under the park policy). Skipped ranges are recorded by {@link SequenceStore#skip}, atomically with the
 * skip itself.
 *
 * <p>A durable implementation (Redis) lets every worker see what any worker buffered and keeps it across a restart;
 * the in-memory one lives as long as the process. Sequences are in the domain's own numbering. Payloads are opaque
 * bytes. Every method is atomic per aggregate and thread-safe; a backend that cannot answer throws
 * {@link SequenceStoreException} and changes nothing it reports as done. The {@code tracker-tck} buffer contract
 * defines "done" for adapters.
 *
 * <p>Like {@link SequenceStore}, a buffer is {@link AutoCloseable}: {@link #close()} releases what it owns. Close it
 * after the processor that uses it (the processor's last work still reads and writes the buffer).
 */
public interface EventBuffer extends AutoCloseable {

    /**
     * Holds an early event. Idempotent per sequence: a second event with the same sequence is not stored again.
     *
     * @param maxPerAggregate the most events pending for this aggregate; beyond it nothing is added (never evict)
     * @return {@link BufferResult#ADDED}, {@link BufferResult#ALREADY_BUFFERED} or {@link BufferResult#FULL}
     */
    BufferResult add(AggregateKey key, BufferedEvent event, int maxPerAggregate);

    /** The aggregate's pending events in ascending sequence order; empty if none. */
    List<BufferedEvent> pending(AggregateKey key);

    /** Removes one pending event. @return whether it was there */
    boolean removePending(AggregateKey key, long sequence);

    /** Parks an event (idempotent per sequence) and removes it from pending if it was there. */
    void park(AggregateKey key, ParkedEvent event);

    /** The aggregate's parked events in ascending sequence order; empty if none. */
    List<ParkedEvent> parked(AggregateKey key);

    /** Removes one parked event (after an operator replayed or skipped it). @return whether it was there */
    boolean removeParked(AggregateKey key, long sequence);

    /** Every aggregate with at least one pending event (to re-arm gap timers after a restart). */
    Set<AggregateKey> aggregatesWithPending();

    /** Every aggregate with at least one parked event. */
    Set<AggregateKey> parkedAggregates();

    /**
     * Which of {@code keys} have parked and which have pending events: the processor asks once per lane batch instead
     * of twice per event. The default asks {@link #parked} and {@link #pending} per key; a networked buffer answers in
     * one round trip where it can.
     */
    default BufferPresence presence(java.util.Collection<AggregateKey> keys) {
        Set<AggregateKey> parked = new java.util.HashSet<>();
        Set<AggregateKey> pending = new java.util.HashSet<>();
        for (AggregateKey key : keys) {
            if (!parked(key).isEmpty()) {
                parked.add(key);
            }
            if (!pending(key).isEmpty()) {
                pending.add(key);
            }
        }
        return new BufferPresence(parked, pending);
    }

    /**
     * Whether what is added survives this process (a restart, a crash): then an event answered
     * {@code BUFFERED} is safe to acknowledge to its broker. The default, for buffers kept in memory, is false.
     */
    default boolean durable() {
        return false;
    }

    /** Pending events across all aggregates (for the total buffer limit and the gauge). */
    long pendingCount();

    /** Releases what the buffer owns (connections, threads). The default owns nothing. */
    @Override
    default void close() {
    }
}
