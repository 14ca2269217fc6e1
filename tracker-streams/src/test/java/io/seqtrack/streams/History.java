package io.seqtrack.streams;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The append-only history of one test run, shared by every worker of the test JVM: each record takes a ticket from one
 * counter under one lock, so tickets order all records of all workers exactly (as tracker-kafka's test history).
 *
 * <pre>
 * S worker key seq token   handler run started          E … ended     F … threw
 * C worker key seq         committed (the processor's Processed event)
 * P worker key seq         parked
 * B worker key seq         buffered (early: a predecessor is missing)
 * A worker entry           acknowledged (XACK done; detail = outcome)
 * J worker entry           rejected (the rejection handler completed, XACK done; detail = kind)
 * L worker entry           left pending (detail = why)
 * M worker entry           taken over (detail = from whom, delivery)
 * </pre>
 */
final class History {

    record Entry(long ticket, char type, String worker, String key, long seq, long token, String entryId,
            String detail) {

        @Override
        public String toString() {
            return ticket + " " + type + " " + worker + " " + (key != null ? key + " #" + seq + " t" + token : entryId)
                    + (detail == null ? "" : " " + detail);
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    synchronized void run(char type, String worker, String key, long seq, long token) {
        entries.add(new Entry(entries.size(), type, worker, key, seq, token, null, null));
    }

    synchronized void entry(char type, String worker, String entryId, String detail) {
        entries.add(new Entry(entries.size(), type, worker, null, -1, 0, entryId, detail));
    }

    /** Records what a runner told its listener. */
    void record(String worker, StreamsRunnerEvent event) {
        if (event instanceof StreamsRunnerEvent.Acknowledged a) {
            entry('A', worker, a.entryId(), a.outcome().name());
        } else if (event instanceof StreamsRunnerEvent.Rejected r) {
            entry('J', worker, r.rejection().entry().getId(), r.rejection().kind().name());
        } else if (event instanceof StreamsRunnerEvent.LeftPending l) {
            entry('L', worker, l.entryId(), l.reason());
        } else if (event instanceof StreamsRunnerEvent.Claimed c) {
            entry('M', worker, c.entryId(), c.from() + " " + c.delivery());
        }
    }

    synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    synchronized long count(Predicate<Entry> which) {
        return entries.stream().filter(which).count();
    }
}
