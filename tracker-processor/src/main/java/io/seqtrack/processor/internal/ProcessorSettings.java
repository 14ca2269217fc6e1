package io.seqtrack.processor.internal;

import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.processor.BatchEventHandler;
import io.seqtrack.processor.EventHandler;
import io.seqtrack.processor.GapListener;
import io.seqtrack.processor.ProcessorListener;
import io.seqtrack.processor.ProcessorScheduler;
import java.time.Duration;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * Everything a processor is built from, validated by {@code EventProcessor.Builder} and immutable from then on: the
 * collaborators read their settings here and never from the builder.
 *
 * @param handler      the per-event handler, or {@code null} when {@code batchHandler} is set
 * @param batchHandler the batch handler, or {@code null}
 * @param scheduler    the scheduler, or {@code null}: the processor makes (and owns) one of {@code parallelism} lanes
 * @param maxBatch     the most events a lane claims, handles and commits together
 * @param stickyOwnership whether a commit also claims the aggregate's next event when it is queued already
 */
public record ProcessorSettings(DomainRegistry registry, SequenceStore store, EventBuffer buffer, EventHandler handler,
        BatchEventHandler batchHandler, String workerId, int parallelism, ProcessorScheduler scheduler,
        List<ProcessorListener> listeners, GapListener gapListener, long maxBufferedTotal, int maxInFlight,
        int maxBatch, boolean stickyOwnership, Duration busyRetryDelay, Duration recheckInterval, Duration sweepInterval,
        boolean adoptOrphanedBuffers, DoubleSupplier random) {

    public ProcessorSettings {
        listeners = List.copyOf(listeners);
        if ((handler == null) == (batchHandler == null)) {
            throw new IllegalArgumentException("exactly one of handler and batchHandler must be set");
        }
    }
}
