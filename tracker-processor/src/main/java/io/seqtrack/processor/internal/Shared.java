package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.in.SequenceTracker;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.service.SequenceTrackerService;
import io.seqtrack.processor.ProcessorScheduler;
import java.time.Instant;

/** What every lane's collaborators share: the settings, the ports, the scheduler, the lifecycle and the gauges. */
final class Shared {

    final ProcessorSettings settings;
    final DomainRegistry registry;
    final SequenceTracker tracker;
    final SequenceStore store;
    final EventBuffer buffer;
    final ProcessorScheduler scheduler;
    final Emitter emitter;
    final Lifecycle lifecycle = new Lifecycle();
    final Gauges gauges = new Gauges();
    final Submissions submissions;
    /** When a store or buffer call last failed (fail-closed); gap policies wait while that is recent. */
    private volatile Instant lastStoreFailure;

    Shared(ProcessorSettings settings, ProcessorScheduler scheduler) {
        this.settings = settings;
        this.registry = settings.registry();
        this.tracker = new SequenceTrackerService(settings.registry(), settings.store());
        this.store = settings.store();
        this.buffer = settings.buffer();
        this.scheduler = scheduler;
        this.emitter = new Emitter(settings.listeners(), scheduler.clock());
        this.submissions = new Submissions(settings.maxInFlight(), settings.buffer().durable());
    }

    Instant now() {
        return scheduler.clock().instant();
    }

    int lane(AggregateKey key) {
        return LaneOf.lane(key, scheduler.lanes());
    }

    void storeFailed() {
        lastStoreFailure = now();
    }

    Instant lastStoreFailure() {
        return lastStoreFailure;
    }
}
