package io.seqtrack.processor.internal;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BooleanSupplier;

/**
 * Invariant 14: after {@code close()} returns no handler starts and no gap policy acts, whoever owns the scheduler. A
 * handler's start checks the volatile flag ({@link #admit}); a gap policy's action runs under the read lock
 * ({@link #whileOpen}); {@link #close()} sets the flag under the write lock, so each of them either passed its check
 * before close() returned or sees the processor closed — and close() waits for a policy action in progress.
 */
final class Lifecycle {

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    /** A cheap, unlocked look: for loops and timers that merely stop early. */
    boolean closed() {
        return closed;
    }

    void close() {
        lock.writeLock().lock();
        try {
            closed = true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Whether a handler may start now: true exactly while the processor is not closed. A volatile read, not the read
     * lock: the lock is released before the handler starts anyway, so it would order nothing more than the read does
     * (close() writes the flag; a check either comes before that write or sees it) — and taken per event it was a
     * contended CAS shared by every lane.
     */
    boolean admit() {
        return !closed;
    }

    /**
     * Runs {@code action} only while the processor is open, and keeps close() waiting until it is done.
     *
     * @return what {@code action} returned, or {@code false} if the processor was closed
     */
    boolean whileOpen(BooleanSupplier action) {
        lock.readLock().lock();
        try {
            return !closed && action.getAsBoolean();
        } finally {
            lock.readLock().unlock();
        }
    }
}
