package io.seqtrack.core.domain;

/**
 * Root of every exception seqtrack throws on purpose. Catch this type to handle all of them; catch a subtype to
 * react to one situation. Every subtype names the domain, aggregate, field or value involved in its message.
 */
public abstract class SequenceTrackingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    protected SequenceTrackingException(String message) {
        super(message);
    }

    protected SequenceTrackingException(String message, Throwable cause) {
        super(message, cause);
    }
}
