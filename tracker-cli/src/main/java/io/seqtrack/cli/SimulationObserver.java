package io.seqtrack.cli;

import io.seqtrack.processor.Event;
import io.seqtrack.processor.EventHandler;
import io.seqtrack.processor.HandlerContext;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorEvent;
import io.seqtrack.processor.ProcessorListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the processor did during a simulation, seen from outside: the handler records every event it is given (per
 * aggregate, in handling order), the listener counts what the processor announces, and {@link #outcome} counts how
 * each submission ended. Thread-safe: the handler and listener run on the lanes, outcomes complete anywhere.
 */
final class SimulationObserver implements EventHandler, ProcessorListener {

    private static final int MAX_ERRORS = 20;

    private final SimulationPlan plan;
    private final AtomicReferenceArray<Handled> handled;
    private final LongAdder[] outcomes = new LongAdder[Outcome.values().length];
    private final LongAdder submitFailures = new LongAdder();
    private final LongAdder processed = new LongAdder();
    private final LongAdder processedFromBuffer = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder bufferedAgain = new LongAdder();
    private final LongAdder skippedRanges = new LongAdder();
    private final LongAdder skippedSequences = new LongAdder();
    private final LongAdder gapTimeouts = new LongAdder();
    private final LongAdder parked = new LongAdder();
    private final AtomicLong activity = new AtomicLong();
    /** Per aggregate, the offsets the processor buffered: a second Buffered for one is a duplicate copy. */
    private final AtomicReferenceArray<BitSet> buffered;
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());

    SimulationObserver(SimulationPlan plan) {
        this.plan = plan;
        this.handled = new AtomicReferenceArray<>(plan.aggregates());
        this.buffered = new AtomicReferenceArray<>(plan.aggregates());
        for (int i = 0; i < outcomes.length; i++) {
            outcomes[i] = new LongAdder();
        }
    }

    // ------------------------------------------------------------------ the handler

    @Override
    public void handle(Event event, HandlerContext context) {
        int aggregate = plan.aggregateIndex(event.aggregateId());
        if (aggregate < 0) {
            error("handler was given an event of an unknown aggregate: " + event);
            return;
        }
        long offset = context.sequence() - plan.firstSequence();
        if (offset < 0 || offset >= plan.eventsPerAggregate()) {
            error("handler was given a sequence that was never generated: " + event);
            return;
        }
        if (!plan.eventId(aggregate, context.sequence()).equals(event.eventId())) {
            error("handler was given " + event.eventId() + " as " + context.key() + " #" + context.sequence());
        }
        Handled list = handled.get(aggregate);
        if (list == null) {
            handled.compareAndSet(aggregate, null, new Handled());
            list = handled.get(aggregate);
        }
        list.add((int) offset);
    }

    /** The offsets handled for {@code aggregate}, in handling order. */
    int[] handled(int aggregate) {
        Handled list = handled.get(aggregate);
        return list == null ? new int[0] : list.toArray();
    }

    // ------------------------------------------------------------------ the listener

    @Override
    public void on(ProcessorEvent event) {
        activity.incrementAndGet();
        if (event instanceof ProcessorEvent.Processed p) {
            processed.increment();
            if (p.fromBuffer()) {
                processedFromBuffer.increment();
            }
        } else if (event instanceof ProcessorEvent.Duplicate) {
            duplicates.increment();
        } else if (event instanceof ProcessorEvent.Buffered b) {
            if (alreadyBuffered(plan.aggregateIndex(b.key().aggregateId()), b.sequence() - plan.firstSequence())) {
                bufferedAgain.increment(); // the buffer is idempotent per sequence: this copy was a duplicate
            }
        } else if (event instanceof ProcessorEvent.Skipped s) {
            skippedRanges.increment();
            skippedSequences.add(s.range().toSequence() - s.range().fromSequence() + 1);
        } else if (event instanceof ProcessorEvent.GapTimedOut) {
            gapTimeouts.increment();
        } else if (event instanceof ProcessorEvent.Parked p) {
            parked.increment();
            error("parked " + p.key() + " #" + p.sequence() + ": " + p.reason());
        } else if (event instanceof ProcessorEvent.BufferFull f) {
            error("buffer full for " + f.key() + " #" + f.sequence());
        } else if (event instanceof ProcessorEvent.Rejected r) {
            error("rejected " + r.key() + ": " + r.error());
        } else if (event instanceof ProcessorEvent.GapFailed g) {
            error("gap failed for " + g.key() + ": " + g.reason());
        }
    }

    /** Marks the offset buffered; whether it was already. */
    private boolean alreadyBuffered(int aggregate, long offset) {
        if (aggregate < 0 || offset < 0 || offset >= plan.eventsPerAggregate()) {
            return false; // reported by the handler if it ever runs for it
        }
        BitSet seen = buffered.get(aggregate);
        if (seen == null) {
            buffered.compareAndSet(aggregate, null, new BitSet());
            seen = buffered.get(aggregate);
        }
        synchronized (seen) {
            boolean already = seen.get((int) offset);
            seen.set((int) offset);
            return already;
        }
    }

    // ------------------------------------------------------------------ outcomes

    /** Counts how one submission ended; {@code error} is the failure of the stage, if it failed. */
    void outcome(Outcome outcome, Throwable error) {
        if (error != null) {
            submitFailures.increment();
            Throwable cause = error.getCause() != null && error instanceof java.util.concurrent.CompletionException
                    ? error.getCause() : error;
            error("a submission failed: " + TrackerCli.describe(cause));
        } else {
            outcomes[outcome.ordinal()].increment();
        }
    }

    long outcomes(Outcome outcome) {
        return outcomes[outcome.ordinal()].sum();
    }

    /** Submissions that finished, either way. */
    long finished() {
        long n = submitFailures.sum();
        for (LongAdder a : outcomes) {
            n += a.sum();
        }
        return n;
    }

    long submitFailures() {
        return submitFailures.sum();
    }

    long processed() {
        return processed.sum();
    }

    long processedFromBuffer() {
        return processedFromBuffer.sum();
    }

    /** Copies recognised as duplicates: by the store (DUPLICATE) or by the buffer (a sequence already buffered). */
    long duplicatesSkipped() {
        return duplicates.sum() + bufferedAgain.sum();
    }

    long skippedRanges() {
        return skippedRanges.sum();
    }

    long skippedSequences() {
        return skippedSequences.sum();
    }

    long gapTimeouts() {
        return gapTimeouts.sum();
    }

    long parked() {
        return parked.sum();
    }

    /** Grows with every announcement: the simulation waits while it moves. */
    long activity() {
        return activity.get();
    }

    /** What went wrong on the way (at most {@value #MAX_ERRORS}). */
    List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    private void error(String message) {
        synchronized (errors) {
            if (errors.size() < MAX_ERRORS) {
                errors.add(message);
            }
        }
    }

    /** One aggregate's handled offsets; appended by its lane only, read by the verifier afterwards. */
    private static final class Handled {
        private int[] offsets = new int[8];
        private int size;

        synchronized void add(int offset) {
            if (size == offsets.length) {
                offsets = Arrays.copyOf(offsets, size * 2);
            }
            offsets[size++] = offset;
        }

        synchronized int[] toArray() {
            return Arrays.copyOf(offsets, size);
        }
    }
}
