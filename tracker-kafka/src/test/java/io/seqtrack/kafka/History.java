package io.seqtrack.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The append-only history of one test run, shared by every worker of the test JVM: each record takes a ticket from one
 * counter under one lock, so tickets order all records of all workers exactly (the torture suite's histories need
 * clock bounds across processes; in one JVM a total order is free).
 *
 * <pre>
 * S worker key seq token        handler run started          E … ended     F … threw
 * C worker key seq              committed (the processor's Processed event)
 * P worker key seq              parked
 * B worker key seq              buffered (early: a predecessor is missing)
 * J worker partition offset     rejected record handed to the rejection handler (and it completed)
 * A worker partition offset     acknowledged (safe outcome; detail = outcome)
 * K worker partition offset     about to commit this offset (sent before the request)
 * R worker partition offset     rewound to this offset for redelivery (detail = why)
 * V worker partition            being revoked (detail = records in flight)
 * </pre>
 */
final class History {

    record Entry(long ticket, char type, String worker, String key, long seq, long token, String partition,
            long offset, String detail) {

        @Override
        public String toString() {
            return ticket + " " + type + " " + worker + " " + (key != null ? key + " #" + seq + " t" + token
                    : partition + "@" + offset) + (detail == null ? "" : " " + detail);
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    synchronized void run(char type, String worker, String key, long seq, long token) {
        add(new Entry(entries.size(), type, worker, key, seq, token, null, -1, null));
    }

    synchronized void offset(char type, String worker, String partition, long offset, String detail) {
        add(new Entry(entries.size(), type, worker, null, -1, 0, partition, offset, detail));
    }

    private void add(Entry entry) {
        entries.add(entry);
        notifyAll();
    }

    synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    synchronized long count(Predicate<Entry> which) {
        return entries.stream().filter(which).count();
    }

    /**
     * Blocks until {@code condition} holds, re-checking after every record (and every 50 ms, for conditions on state
     * outside the history). The condition runs outside the lock (it may ask the broker). Bounded only so that a stuck
     * run fails the test instead of hanging it.
     */
    void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            synchronized (this) {
                wait(50);
            }
        }
    }
}
