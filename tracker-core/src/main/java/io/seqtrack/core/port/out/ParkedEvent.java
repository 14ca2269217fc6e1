package io.seqtrack.core.port.out;

import java.time.Instant;
import java.util.Objects;

/**
 * A sequenced dead letter: an event that will not be handled until an operator replays or skips it.
 *
 * @param event    the event
 * @param reason   why it was parked, e.g. {@code "handler failed 5 times: IOException: ..."}
 * @param parkedAt when
 */
public record ParkedEvent(BufferedEvent event, String reason, Instant parkedAt) {
    public ParkedEvent {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(parkedAt, "parkedAt");
    }

    public long sequence() {
        return event.sequence();
    }
}
