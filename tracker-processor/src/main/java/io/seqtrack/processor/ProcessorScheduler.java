package io.seqtrack.processor;

import java.time.Clock;
import java.time.Duration;

/**
 * Where the processor runs its work: {@code lanes} serial lanes (all work of one aggregate runs on one lane, in
 * order; lanes run in parallel) plus delayed tasks. Injectable so that tests run retries, backoff, lease renewal and
 * gap timeouts on virtual time.
 */
public interface ProcessorScheduler extends AutoCloseable {

    /** A task that can be called off. */
    interface Cancellable {
        void cancel();
    }

    /** The number of lanes. */
    int lanes();

    /** The clock delays are measured by. */
    Clock clock();

    /**
     * Now, in milliseconds, for the deadlines the processor keeps itself — how long a claim may be trusted (and
     * duplicates answered from it), when a lease renewal is due — on a clock that never steps back. Default:
     * {@link #clock()}'s, right for a virtual clock; the thread scheduler reads {@link System#nanoTime()}, so a step of
     * the wall clock (NTP) can neither extend nor cut short such a deadline.
     */
    default long deadlineMillis() {
        return clock().millis();
    }

    /** Runs {@code task} on lane {@code lane}, after every task submitted to it before. */
    void execute(int lane, Runnable task);

    /** Runs {@code task} on lane {@code lane} once {@code delay} has passed. */
    Cancellable schedule(int lane, Duration delay, Runnable task);

    /** Runs {@code task} off the lanes once {@code delay} has passed (lease renewal while a handler runs). */
    Cancellable scheduleOffLane(Duration delay, Runnable task);

    @Override
    void close();

    /** {@code lanes} threads and one timer thread, on the system clock. */
    static ProcessorScheduler threads(int lanes) {
        return new ThreadScheduler(lanes, Clock.systemUTC());
    }
}
