package io.seqtrack.processor.internal;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceTrackingException;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.SequenceSource;
import io.seqtrack.processor.Event;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorEvent;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sequenced dead letters: a parked event blocks its aggregate, and whatever waits behind it is parked behind it, in
 * order — written once, here, for every reason an event is parked (handler gave up, gap policy PARK, blocked).
 */
final class Parking {

    private static final Logger log = LoggerFactory.getLogger(Parking.class);

    private final Lane lane;
    private final Shared shared;

    Parking(Lane lane) {
        this.lane = lane;
        this.shared = lane.shared;
    }

    /** Parks the work's event; in a tracked domain also blocks the aggregate and parks its buffered successors. */
    Outcome park(Work work, String reason) {
        AggregateKey key = work.key();
        long sequence = work.sequence();
        shared.buffer.park(key, new ParkedEvent(toBuffered(work.event(), sequence, shared.now()), reason, shared.now()));
        if (work.origin() == Work.Origin.BUFFER) {
            shared.gauges.bufferedRemoved(); // parking moves it out of pending (the EventBuffer contract)
        }
        shared.emitter.emit(new ProcessorEvent.Parked(key, shared.now(), sequence, reason,
                work.submission().attachment()));
        shared.submissions.parkedHere(key, sequence, work.submission());
        if (work.tracked()) {
            block(key);
            try {
                parkAllPending(key, "blocked behind parked #" + sequence);
            } catch (SequenceTrackingException e) {
                // the event itself is parked; what waits behind it is parked by the gap timer's next look
                shared.storeFailed();
                log.warn("seqtrack: parked {} #{} but not yet what is buffered behind it: {}", key, sequence,
                        e.getMessage());
            }
            lane.gaps.closeGap(key);
        }
        return Outcome.PARKED;
    }

    /** Parks every pending event of the aggregate, in order, behind what is parked already. */
    void parkAllPending(AggregateKey key, String reason) {
        for (BufferedEvent pending : shared.buffer.pending(key)) {
            shared.buffer.park(key, new ParkedEvent(pending, reason, shared.now()));
            shared.gauges.bufferedRemoved();
            shared.emitter.emit(new ProcessorEvent.Parked(key, shared.now(), pending.sequence(), reason,
                    Optional.ofNullable(shared.submissions.bufferedAttachment(key, pending.sequence()))));
            shared.submissions.settleBuffered(key, pending.sequence(), Outcome.PARKED);
        }
    }

    /**
     * A park in a buffer that is not durable is this worker's alone, and its event stays with the broker
     * (unacknowledged): another worker can get it and commit it. If every event of {@code parked} (the aggregate's
     * parked list, as just read) is at or below {@code last}, they were committed elsewhere: they leave the parked list
     * as duplicates (their submissions acknowledgeable as {@code DUPLICATE}) and the aggregate is unblocked. A durable buffer's parks are everyone's and
     * stay for the operator (review finding: otherwise a stale in-memory park blocked the aggregate for good).
     *
     * @return whether the aggregate was unblocked
     */
    boolean dropParksCommittedElsewhere(AggregateKey key, List<ParkedEvent> parked, long last) {
        if (shared.buffer.durable() || parked.isEmpty()
                || parked.stream().anyMatch(p -> p.event().sequence() > last)) {
            return false;
        }
        for (ParkedEvent stale : parked) {
            shared.buffer.removeParked(key, stale.event().sequence());
            shared.emitter.emit(new ProcessorEvent.Duplicate(key, shared.now(), stale.event().sequence(), last));
            shared.submissions.parkResolved(key, stale.event().sequence(), Outcome.DUPLICATE);
        }
        unblock(key);
        return true;
    }

    void block(AggregateKey key) {
        AggregateState state = lane.state(key);
        if (!state.blocked) {
            state.blocked = true;
            lane.blockedCount++;
        }
        shared.gauges.blocked.add(key);
    }

    void unblock(AggregateKey key) {
        AggregateState state = lane.state(key);
        if (state.blocked) {
            state.blocked = false;
            lane.blockedCount--;
        }
        shared.gauges.blocked.remove(key);
    }

    static BufferedEvent toBuffered(Event event, long sequence, Instant now) {
        return new BufferedEvent(sequence, event.eventId(), event.type(), event.payload(), now);
    }

    static Event fromBuffered(AggregateKey key, DomainRegistration registration, BufferedEvent buffered) {
        return registration.sequenceSource() == SequenceSource.SEQUENCE_NUMBER
                ? Event.of(buffered.eventId(), key.domain(), key.aggregateId(), buffered.sequence(), buffered.type(),
                        buffered.payload())
                : Event.ofAggregateVersion(buffered.eventId(), key.domain(), key.aggregateId(), buffered.sequence(),
                        buffered.type(), buffered.payload());
    }
}
