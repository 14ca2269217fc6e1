package io.seqtrack.processor.internal;

import io.seqtrack.processor.Outcome;

/**
 * What a step did with one {@link Work}, as a value: the lane alone completes submissions from it, and the drain and
 * replay loops decide from it what to do next.
 */
record Result(Work work, Kind kind, Outcome outcome, Throwable error) {

    enum Kind {
        /** The event has its outcome. */
        FINISHED,
        /** A retry or busy wait is scheduled; the outcome comes later. */
        DEFERRED,
        /** A drained event that is still early: it stays in the buffer, nothing to tell. */
        STILL_EARLY,
        /**
         * An operator's replay met a claim another worker holds: nothing happened and nothing waits to try again — the
         * event stays parked (a replay that waited would handle it later, behind the operator's back).
         */
        BUSY_ELSEWHERE,
        /** Nothing is known to have happened (store or buffer failure, close): tell the submitter so. */
        FAILED
    }

    static Result finished(Work work, Outcome outcome) {
        return new Result(work, Kind.FINISHED, outcome, null);
    }

    static Result deferred(Work work) {
        return new Result(work, Kind.DEFERRED, null, null);
    }

    static Result stillEarly(Work work) {
        return new Result(work, Kind.STILL_EARLY, null, null);
    }

    static Result busyElsewhere(Work work) {
        return new Result(work, Kind.BUSY_ELSEWHERE, null, null);
    }

    static Result failed(Work work, Throwable error) {
        return new Result(work, Kind.FAILED, null, error);
    }

    boolean is(Outcome expected) {
        return kind == Kind.FINISHED && outcome == expected;
    }

    /** The failure to rethrow where a caller waits for this one work (an operator's replay), or null. */
    RuntimeException failedWith() {
        if (kind != Kind.FAILED) {
            return null;
        }
        return error instanceof RuntimeException r ? r : new IllegalStateException(error);
    }

    /** Tells the submitter; deferred, still-early and busy-elsewhere work has nothing to tell (yet). */
    void complete() {
        if (kind == Kind.FINISHED) {
            work.submission().finish(outcome);
        } else if (kind == Kind.FAILED) {
            work.submission().fail(error);
        }
    }
}
