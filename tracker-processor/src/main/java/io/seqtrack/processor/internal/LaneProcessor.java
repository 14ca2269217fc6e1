package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.InvalidEventException;
import io.seqtrack.core.domain.UnknownDomainException;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.processor.Event;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorAdmin;
import io.seqtrack.processor.ProcessorEvent;
import io.seqtrack.processor.ProcessorScheduler;
import io.seqtrack.processor.ProcessorSnapshot;
import io.seqtrack.processor.Submission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The processor's facade: admission (validation, the in-flight limit), handing each event to its aggregate's
 * {@link Lane}, the snapshot and close. Everything else happens on the lanes; see docs/processor.md for the way of an
 * event through the collaborators.
 */
public final class LaneProcessor implements EventProcessor {

    private final Shared shared;
    private final boolean ownsScheduler;
    private final List<Lane> lanes;
    private final Admin admin;
    private final BufferSweeper sweeper;

    public LaneProcessor(ProcessorSettings settings) {
        this.ownsScheduler = settings.scheduler() == null;
        ProcessorScheduler scheduler = ownsScheduler
                ? ProcessorScheduler.threads(settings.parallelism()) : settings.scheduler();
        this.shared = new Shared(settings, scheduler);
        List<Lane> all = new ArrayList<>(scheduler.lanes());
        for (int i = 0; i < scheduler.lanes(); i++) {
            all.add(new Lane(i, shared));
        }
        this.lanes = List.copyOf(all);
        this.admin = new Admin(shared, lanes);
        this.sweeper = new BufferSweeper(shared, lanes);
    }

    @Override
    public CompletionStage<Outcome> submit(Event event) {
        return submitTracked(event).accepted();
    }

    @Override
    public Submission submitTracked(Event event) {
        AggregateKey key;
        DomainRegistration registration;
        try {
            if (event == null) {
                throw InvalidEventException.of("event", "is missing");
            }
            key = new AggregateKey(event.domain(), event.aggregateId());
            registration = shared.registry.lookup(key.domain());
        } catch (InvalidEventException | UnknownDomainException e) {
            shared.emitter.emit(new ProcessorEvent.Rejected(null, shared.now(), e.getMessage()));
            TrackedSubmission rejected = TrackedSubmission.detached(event);
            rejected.finish(Outcome.REJECTED);
            return rejected;
        }
        TrackedSubmission submission;
        try {
            submission = shared.submissions.admit(event);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            TrackedSubmission interrupted = TrackedSubmission.detached(event);
            interrupted.abandon(e);
            return interrupted;
        }
        lanes.get(shared.lane(key)).submit(Work.of(event, key, registration, Work.Origin.SUBMITTED, submission));
        return submission;
    }

    @Override
    public boolean durableBuffer() {
        return shared.buffer.durable();
    }

    @Override
    public ProcessorAdmin admin() {
        return admin;
    }

    @Override
    public ProcessorSnapshot snapshot() {
        Instant now = shared.now();
        Optional<Duration> oldest = shared.gauges.openGaps.values().stream().min(Instant::compareTo)
                .map(t -> Duration.between(t, now));
        return new ProcessorSnapshot(shared.gauges.buffered.get(), shared.gauges.openGaps.size(), oldest,
                shared.gauges.blocked.size(), shared.submissions.inFlight());
    }

    /** How many aggregate states the lanes hold, each counted on its lane after what is queued there (tests). */
    int aggregateStates() {
        int states = 0;
        for (Lane lane : lanes) {
            states += lane.onLane(lane::stateCount).toCompletableFuture().join();
        }
        return states;
    }

    @Override
    public void close() {
        shared.lifecycle.close();
        sweeper.close();
        if (ownsScheduler) {
            shared.scheduler.close(); // lets queued lane work finish; drops timers (retries, busy waits, gap timers)
        }
        shared.submissions.abandonAll();
    }

}
