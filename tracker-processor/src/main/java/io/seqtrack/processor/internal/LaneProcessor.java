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
import java.util.Arrays;
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
    private final LaneAdmin admin;
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
        this.admin = new LaneAdmin(shared, lanes);
        this.sweeper = new BufferSweeper(shared, lanes);
    }

    @Override
    public CompletionStage<Outcome> submit(Event event) {
        return submitTracked(event).accepted();
    }

    @Override
    public Submission submitTracked(Event event) {
        return submitTracked(event, null);
    }

    @Override
    public Submission submitTracked(Event event, Object attachment) {
        Work work;
        try {
            work = validated(event);
        } catch (InvalidEventException | UnknownDomainException e) {
            return rejected(event, attachment, e);
        }
        TrackedSubmission submission;
        try {
            shared.submissions.acquire(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return interrupted(event, attachment, e);
        }
        submission = shared.submissions.admitted(event, attachment);
        lanes.get(shared.lane(work.key())).submit(work.with(submission));
        return submission;
    }

    /**
     * The batch form: validation per event, then admission in parts of at most {@code maxInFlight} — one semaphore
     * acquire per part — and one mailbox hand-off per lane and part. A part is handed to the lanes before the next one
     * is admitted: its permits come back only as its events are accepted, so holding them while waiting for more could
     * wait forever.
     */
    @Override
    public List<Submission> submitAllTracked(List<Event> events) {
        int n = events.size();
        Submission[] submissions = new Submission[n];
        Work[] works = new Work[n];
        int admissible = 0;
        for (int i = 0; i < n; i++) {
            try {
                works[i] = validated(events.get(i));
                admissible++;
            } catch (InvalidEventException | UnknownDomainException e) {
                submissions[i] = rejected(events.get(i), null, e);
            }
        }
        List<List<Work>> perLane = new ArrayList<>(lanes.size());
        for (int l = 0; l < lanes.size(); l++) {
            perLane.add(new ArrayList<>());
        }
        int next = 0;
        while (admissible > 0) {
            int part = Math.min(admissible, shared.submissions.maxInFlight());
            try {
                shared.submissions.acquire(part);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                for (; next < n; next++) {
                    if (submissions[next] == null) {
                        submissions[next] = interrupted(events.get(next), null, e);
                    }
                }
                break;
            }
            admissible -= part;
            for (int taken = 0; taken < part; next++) {
                if (works[next] == null) {
                    continue;
                }
                TrackedSubmission submission = shared.submissions.admitted(events.get(next), null);
                submissions[next] = submission;
                perLane.get(shared.lane(works[next].key())).add(works[next].with(submission));
                taken++;
            }
            for (int l = 0; l < lanes.size(); l++) {
                List<Work> laneWorks = perLane.get(l);
                if (!laneWorks.isEmpty()) {
                    lanes.get(l).submitAll(laneWorks);
                    perLane.set(l, new ArrayList<>());
                }
            }
        }
        return Arrays.asList(submissions);
    }

    /** The event's work (without a submission yet); throws if it is invalid or of an unknown domain. */
    private Work validated(Event event) {
        if (event == null) {
            throw InvalidEventException.of("event", "is missing");
        }
        AggregateKey key = new AggregateKey(event.domain(), event.aggregateId());
        DomainRegistration registration = shared.registry.lookup(key.domain());
        return Work.of(event, key, registration, Work.Origin.SUBMITTED, null);
    }

    /** An invalid event's submission, answered {@code REJECTED} with the reason, and its {@code Rejected} event. */
    private TrackedSubmission rejected(Event event, Object attachment, RuntimeException why) {
        shared.emitter.emit(new ProcessorEvent.Rejected(registeredKey(event), shared.now(), why.getMessage(), event,
                Optional.ofNullable(attachment)));
        TrackedSubmission rejected = TrackedSubmission.detached(event, attachment);
        rejected.rejectedBecause(why.getMessage());
        rejected.finish(Outcome.REJECTED);
        return rejected;
    }

    /**
     * The event's aggregate if it is a valid one of a registered domain, else null: a key is never made up, and one
     * made of an unknown domain would hand listeners input-controlled names (metric tags, log keys).
     */
    private AggregateKey registeredKey(Event event) {
        if (event == null || event.domain() == null || shared.registry.find(event.domain()).isEmpty()) {
            return null;
        }
        try {
            return new AggregateKey(event.domain(), event.aggregateId());
        } catch (InvalidEventException notAnAggregate) {
            return null;
        }
    }

    private static TrackedSubmission interrupted(Event event, Object attachment, InterruptedException e) {
        TrackedSubmission interrupted = TrackedSubmission.detached(event, attachment);
        interrupted.abandon(e);
        return interrupted;
    }

    @Override
    public boolean durableBuffer() {
        return shared.buffer.durable();
    }

    @Override
    public int maxInFlight() {
        return shared.submissions.maxInFlight();
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
