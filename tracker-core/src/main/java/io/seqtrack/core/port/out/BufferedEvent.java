package io.seqtrack.core.port.out;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * An event held by an {@link EventBuffer}: its sequence (domain numbering), identity, type and opaque payload.
 *
 * @param sequence   the event's sequence in the domain's numbering
 * @param eventId    the producer's event id, may be empty but not null
 * @param type       the event type, may be empty but not null
 * @param payload    the payload bytes (copied; never null)
 * @param receivedAt when the processor first received it
 */
public record BufferedEvent(long sequence, String eventId, String type, byte[] payload, Instant receivedAt) {

    public BufferedEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(receivedAt, "receivedAt");
        payload = payload == null ? new byte[0] : payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BufferedEvent e && sequence == e.sequence && eventId.equals(e.eventId)
                && type.equals(e.type) && Arrays.equals(payload, e.payload) && receivedAt.equals(e.receivedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sequence, eventId, type, Arrays.hashCode(payload), receivedAt);
    }

    @Override
    public String toString() {
        return "BufferedEvent[seq=" + sequence + ", id=" + eventId + ", type=" + type + ", " + payload.length
                + " bytes, receivedAt=" + receivedAt + "]";
    }
}
