package io.seqtrack.tck;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The append-only history of one end-to-end test run of a broker adapter, shared by every worker of the test JVM:
 * each record takes a ticket from one counter under one lock, so tickets order all records of all workers exactly (the
 * torture suite's histories need clock bounds across processes; in one JVM a total order is free).
 * {@link HandlerHistoryCheck} judges the handler part; an adapter's own test checks its broker records.
 *
 * <p>Handler and processor records (written by the test's handler and processor listener):
 * <pre>
 * S worker key seq token        handler run started (token: ctx.fencingToken(); detail: what the handler was
 *                               given, {@link #received}, when the test records it)
 * E worker key seq token        … ended                F … threw
 * C worker key seq              committed (the processor's Processed event, after the store answered)
 * P worker key seq              parked
 * B worker key seq              buffered (early: a predecessor is missing)
 * </pre>
 * Broker records ({@link #broker}) use any other letter; {@code source} names the broker's unit (a partition, a stream
 * entry), {@code offset} a position in it ({@code -1} where it has none), {@code detail} anything else. {@code key} is
 * the {@code AggregateKey}'s {@code domain/aggregate} form.
 */
public final class HandlerHistory {

    public static final char STARTED = 'S';
    public static final char ENDED = 'E';
    public static final char FAILED = 'F';
    public static final char COMMITTED = 'C';
    public static final char PARKED = 'P';
    public static final char BUFFERED = 'B';
    private static final String RUN_TYPES = "SEFCPB";

    /** One record: a handler/processor record has a {@code key}, a broker record a {@code source} instead. */
    public record Entry(long ticket, char type, String worker, String key, long seq, long token, String source,
            long offset, String detail) {

        @Override
        public String toString() {
            return ticket + " " + type + " " + worker + " " + (key != null ? key + " #" + seq + " t" + token
                    : source + (offset >= 0 ? "@" + offset : "")) + (detail == null ? "" : " " + detail);
        }
    }

    /** What a handler does between its start and end records. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    private final List<Entry> entries = new ArrayList<>();

    /** Records a handler or processor record ({@code S E F C P B}); {@code token} is 0 where there is none. */
    public void run(char type, String worker, String key, long seq, long token) {
        run(type, worker, key, seq, token, null);
    }

    /** The same with a detail (a start's {@link #received}). */
    public synchronized void run(char type, String worker, String key, long seq, long token, String detail) {
        if (RUN_TYPES.indexOf(type) < 0) {
            throw new IllegalArgumentException("not a handler or processor record type: " + type);
        }
        add(new Entry(entries.size(), type, worker, key, seq, token, null, -1, detail));
    }

    /**
     * How a start record names the event its handler was given: the event id and a digest of the payload (the
     * checker compares it with the plan's, {@link HandlerHistoryCheck.PlannedEvent}).
     */
    public static String received(String eventId, byte[] payload) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(payload);
            return eventId + " " + java.util.HexFormat.of().formatHex(digest, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Records a broker record: any letter but {@code S E F C P B}. */
    public synchronized void broker(char type, String worker, String source, long offset, String detail) {
        if (RUN_TYPES.indexOf(type) >= 0) {
            throw new IllegalArgumentException("a handler or processor record type: " + type);
        }
        add(new Entry(entries.size(), type, worker, null, -1, 0, source, offset, detail));
    }

    /**
     * One handler run: {@code S} before {@code body}, then {@code E}, or {@code F} if it threw (rethrown). The token is
     * the run's fencing token; the processor keeps it for the whole run (a lease renewal does not change it).
     */
    public void handle(String worker, String key, long seq, long token, Body body) throws Exception {
        handle(worker, key, seq, token, null, body);
    }

    /**
     * One handler run that also records what the handler was given ({@code received}, from {@link #received}), for
     * the checker's planned-event rule.
     */
    public void handle(String worker, String key, long seq, long token, String received, Body body) throws Exception {
        run(STARTED, worker, key, seq, token, received);
        try {
            body.run();
        } catch (Exception | Error e) {
            run(FAILED, worker, key, seq, token);
            throw e;
        }
        run(ENDED, worker, key, seq, token);
    }

    private void add(Entry entry) {
        entries.add(entry);
        notifyAll();
    }

    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    public synchronized long count(Predicate<Entry> which) {
        return entries.stream().filter(which).count();
    }

    /** A commit record of {@code key} ({@code domain/aggregate}) {@code #seq}. */
    public static Predicate<Entry> committed(String key, long seq) {
        return e -> e.type() == COMMITTED && key.equals(e.key()) && e.seq() == seq;
    }

    /**
     * Blocks until {@code condition} holds, re-checking after every record (and every 50 ms, for conditions on state
     * outside the history). The condition runs outside the lock (it may ask the broker). Bounded only so that a stuck
     * run fails the test instead of hanging it.
     */
    public void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
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
