package io.seqtrack.inmemory;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.BufferPresence;
import io.seqtrack.core.port.out.BufferResult;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.port.out.StoreArguments;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * An {@link EventBuffer} in one JVM's memory: for tests, single-process deployments and as the embedded default.
 * Everything it holds is lost with the process — use the Redis buffer when workers must share, or survive a restart
 * with, what was buffered.
 *
 * <p>Per aggregate, every change runs inside one {@code ConcurrentHashMap.compute} for its key: atomic per aggregate,
 * lock-free across aggregates, and an aggregate that holds nothing any more is dropped from the map in the same step.
 * Reads copy under the aggregate's monitor, so they never see a half-done change. Nothing is ever evicted: a full
 * aggregate answers {@link BufferResult#FULL}.
 */
public final class InMemoryEventBuffer implements EventBuffer {

    private final ConcurrentHashMap<AggregateKey, Held> held = new ConcurrentHashMap<>();
    private final AtomicLong pendingCount = new AtomicLong();

    private InMemoryEventBuffer() {
    }

    /** An empty buffer. */
    public static InMemoryEventBuffer create() {
        return new InMemoryEventBuffer();
    }

    @Override
    public BufferResult add(AggregateKey key, BufferedEvent event, int maxPerAggregate) {
        StoreArguments.requireKey(key);
        Objects.requireNonNull(event, "event");
        if (maxPerAggregate < 1) {
            throw new IllegalArgumentException("maxPerAggregate must be >= 1, was " + maxPerAggregate);
        }
        BufferResult[] result = new BufferResult[1];
        change(key, h -> {
            if (h.pending.containsKey(event.sequence())) {
                result[0] = BufferResult.ALREADY_BUFFERED;
            } else if (h.pending.size() >= maxPerAggregate) {
                result[0] = BufferResult.FULL;
            } else {
                h.pending.put(event.sequence(), event);
                pendingCount.incrementAndGet();
                result[0] = BufferResult.ADDED;
            }
        });
        return result[0];
    }

    @Override
    public List<BufferedEvent> pending(AggregateKey key) {
        StoreArguments.requireKey(key);
        return read(key, h -> new ArrayList<>(h.pending.values()));
    }

    @Override
    public boolean removePending(AggregateKey key, long sequence) {
        StoreArguments.requireKey(key);
        boolean[] removed = new boolean[1];
        change(key, h -> removed[0] = removeFromPending(h, sequence));
        return removed[0];
    }

    @Override
    public void park(AggregateKey key, ParkedEvent event) {
        StoreArguments.requireKey(key);
        Objects.requireNonNull(event, "event");
        change(key, h -> {
            removeFromPending(h, event.sequence());
            h.parked.putIfAbsent(event.sequence(), event);
        });
    }

    @Override
    public List<ParkedEvent> parked(AggregateKey key) {
        StoreArguments.requireKey(key);
        return read(key, h -> new ArrayList<>(h.parked.values()));
    }

    @Override
    public boolean removeParked(AggregateKey key, long sequence) {
        StoreArguments.requireKey(key);
        boolean[] removed = new boolean[1];
        change(key, h -> removed[0] = h.parked.remove(sequence) != null);
        return removed[0];
    }

    /**
     * One map read per key and nothing copied; {@link BufferPresence#NONE} when none of them holds anything (the common
     * case: the default asked {@link #parked} and {@link #pending} per key and built two sets per lane batch).
     */
    @Override
    public BufferPresence presence(java.util.Collection<AggregateKey> keys) {
        Set<AggregateKey> parked = null;
        Set<AggregateKey> pending = null;
        for (AggregateKey key : keys) {
            Held h = held.get(key);
            if (h == null) {
                continue;
            }
            synchronized (h) {
                if (!h.parked.isEmpty()) {
                    parked = parked == null ? new HashSet<>() : parked;
                    parked.add(key);
                }
                if (!h.pending.isEmpty()) {
                    pending = pending == null ? new HashSet<>() : pending;
                    pending.add(key);
                }
            }
        }
        return parked == null && pending == null ? BufferPresence.NONE
                : new BufferPresence(parked == null ? Set.of() : parked, pending == null ? Set.of() : pending);
    }

    @Override
    public Set<AggregateKey> aggregatesWithPending() {
        return aggregatesWhere(h -> !h.pending.isEmpty());
    }

    @Override
    public Set<AggregateKey> parkedAggregates() {
        return aggregatesWhere(h -> !h.parked.isEmpty());
    }

    @Override
    public long pendingCount() {
        return pendingCount.get();
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Runs {@code change} on the aggregate's state inside {@code compute}, so that no other change of the aggregate —
     * including dropping it once empty — interleaves. The monitor publishes the change to lock-free readers.
     */
    private void change(AggregateKey key, Consumer<Held> change) {
        held.compute(key, (k, h) -> {
            Held state = h == null ? new Held() : h;
            synchronized (state) {
                change.accept(state);
                return state.isEmpty() ? null : state;
            }
        });
    }

    private <T> List<T> read(AggregateKey key, Function<Held, List<T>> copy) {
        Held h = held.get(key);
        if (h == null) {
            return List.of();
        }
        synchronized (h) {
            return List.copyOf(copy.apply(h));
        }
    }

    private Set<AggregateKey> aggregatesWhere(Predicate<Held> test) {
        Set<AggregateKey> keys = new HashSet<>();
        for (Map.Entry<AggregateKey, Held> e : held.entrySet()) {
            Held h = e.getValue();
            synchronized (h) {
                if (test.test(h)) {
                    keys.add(e.getKey());
                }
            }
        }
        return Set.copyOf(keys);
    }

    private boolean removeFromPending(Held h, long sequence) {
        if (h.pending.remove(sequence) == null) {
            return false;
        }
        pendingCount.decrementAndGet();
        return true;
    }

    /** One aggregate's buffered state; changed only inside {@code compute} for its key, read under its monitor. */
    private static final class Held {
        final TreeMap<Long, BufferedEvent> pending = new TreeMap<>();
        final TreeMap<Long, ParkedEvent> parked = new TreeMap<>();

        boolean isEmpty() {
            return pending.isEmpty() && parked.isEmpty();
        }
    }
}
