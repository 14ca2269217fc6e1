package io.seqtrack.processor;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.SequenceTrackingException;

/**
 * An event of a disabled (untracked) domain whose handler failed on every attempt. Tracked domains park such events
 * instead; untracked ones hand them back to the caller, whose broker's dead-letter handling decides.
 */
public final class HandlerFailedException extends SequenceTrackingException {

    private static final long serialVersionUID = 1L;

    private HandlerFailedException(String message, Throwable cause) {
        super(message, cause);
    }

    public static HandlerFailedException of(AggregateKey key, int attempts, Throwable cause) {
        return new HandlerFailedException("handler failed " + attempts + " time(s) for " + key + ": " + cause, cause);
    }
}
