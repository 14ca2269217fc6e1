package io.seqtrack.examples.embedding;

import com.google.inject.Singleton;
import io.seqtrack.processor.ProcessorEvent;
import io.seqtrack.processor.ProcessorListener;
import java.time.Duration;

/**
 * A {@link ProcessorListener}, added to the processor through Guice's listener set: counts the events the processor
 * handled and committed, and how many of them came out of the buffer once their gap filled. Listeners run on the
 * processor's lane threads, so it only counts and returns.
 */
@Singleton
final class ProcessedCounter implements ProcessorListener {

    private long processed;
    private long fromBuffer;

    @Override
    public synchronized void on(ProcessorEvent event) {
        if (event instanceof ProcessorEvent.Processed p) {
            processed++;
            if (p.fromBuffer()) {
                fromBuffer++;
            }
            notifyAll();
        }
    }

    /** Waits until {@code count} events were processed; false if {@code timeout} passed first. */
    synchronized boolean awaitProcessed(long count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (processed < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            Duration wait = Duration.ofNanos(left);
            wait(Math.max(1, wait.toMillis()));
        }
        return true;
    }

    synchronized long processed() {
        return processed;
    }

    synchronized long fromBuffer() {
        return fromBuffer;
    }
}
