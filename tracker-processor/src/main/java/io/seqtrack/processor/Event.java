package io.seqtrack.processor;

import io.seqtrack.core.port.in.TrackedEvent;
import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * An event as the processor receives it from a broker: identity, aggregate, sequence (or aggregate version), type and
 * opaque payload. It is the processor's full event; core's {@link TrackedEvent}, which it implements, is the part the
 * tracker reads (domain, aggregate, the two numbering fields) — the domain's {@code SequenceSource} says which of the
 * two fields counts, and that is decided in one place ({@code SequenceSource.read}). Validation (blank ids, missing sequence, unknown domain) happens on {@link EventProcessor#submit}, so
 * a bad event becomes a {@link Outcome#REJECTED} outcome rather than an exception at construction.
 *
 * @param eventId          the producer's id (may be empty, never null)
 * @param domain           the domain name
 * @param aggregateId      the aggregate id
 * @param sequence         the per-aggregate sequence, if carried
 * @param aggregateVersion the aggregate version, if carried
 * @param type             the event type (may be empty, never null)
 * @param payload          the payload bytes (copied)
 */
public record Event(String eventId, String domain, String aggregateId, OptionalLong sequence,
        OptionalLong aggregateVersion, String type, byte[] payload) implements TrackedEvent {

    public Event {
        eventId = eventId == null ? "" : eventId;
        type = type == null ? "" : type;
        sequence = sequence == null ? OptionalLong.empty() : sequence;
        aggregateVersion = aggregateVersion == null ? OptionalLong.empty() : aggregateVersion;
        payload = payload == null ? new byte[0] : payload.clone();
    }

    /** An event numbered by a per-aggregate sequence. */
    public static Event of(String eventId, String domain, String aggregateId, long sequence, String type,
            byte[] payload) {
        return new Event(eventId, domain, aggregateId, OptionalLong.of(sequence), OptionalLong.empty(), type, payload);
    }

    /** An event numbered by its aggregate version. */
    public static Event ofAggregateVersion(String eventId, String domain, String aggregateId, long version,
            String type, byte[] payload) {
        return new Event(eventId, domain, aggregateId, OptionalLong.empty(), OptionalLong.of(version), type, payload);
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Event e && eventId.equals(e.eventId) && Objects.equals(domain, e.domain)
                && Objects.equals(aggregateId, e.aggregateId) && sequence.equals(e.sequence)
                && aggregateVersion.equals(e.aggregateVersion) && type.equals(e.type)
                && Arrays.equals(payload, e.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(eventId, domain, aggregateId, sequence, aggregateVersion, type, Arrays.hashCode(payload));
    }

    @Override
    public String toString() {
        return "Event[" + domain + "/" + aggregateId + " " + (sequence.isPresent() ? "#" + sequence.getAsLong()
                : aggregateVersion.isPresent() ? "v" + aggregateVersion.getAsLong() : "unsequenced")
                + ", id=" + eventId + ", type=" + type + ", " + payload.length + " bytes]";
    }
}
