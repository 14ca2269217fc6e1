package io.seqtrack.core.domain;

import java.util.Optional;

/**
 * The store could not answer, or answered in a way that cannot be trusted: connection refused, timeout, a
 * corrupted value. <strong>The outcome of the operation is unknown</strong>: the caller must retry or give up,
 * never assume a verdict. A store never turns an unreachable backend into "nothing committed yet".
 *
 * <p>Retrying is always safe: {@code advance} and {@code claim} re-check against the stored state, and a
 * {@code commit} whose first attempt landed answers {@code ALREADY_COMMITTED} on retry.
 */
public final class SequenceStoreException extends SequenceTrackingException {

    private static final long serialVersionUID = 1L;

    private final transient AggregateKey key;

    private SequenceStoreException(String message, AggregateKey key, Throwable cause) {
        super(message, cause);
        this.key = key;
    }

    /**
     * An operation on one aggregate failed.
     *
     * @param operation the SPI operation, e.g. {@code "advance"}
     * @param key       the aggregate it was about
     * @param cause     what the backend reported; its message is included
     */
    public static SequenceStoreException of(String operation, AggregateKey key, Throwable cause) {
        return new SequenceStoreException(
                operation + " failed for " + key + ", outcome unknown: " + describe(cause), key, cause);
    }

    /**
     * An operation failed without a single aggregate to name (a batch, a connection check).
     *
     * @param what  what was attempted, e.g. {@code "advance batch of 64"}
     * @param cause what the backend reported
     */
    public static SequenceStoreException of(String what, Throwable cause) {
        return new SequenceStoreException(what + " failed, outcome unknown: " + describe(cause), null, cause);
    }

    /**
     * The store holds a value it cannot interpret. The value is reported, never overwritten.
     *
     * @param key         the aggregate whose state is corrupted
     * @param description what was found, e.g. {@code "last committed is 'abc', not a number"}
     */
    public static SequenceStoreException corrupted(AggregateKey key, String description) {
        return new SequenceStoreException("corrupted state for " + key + ": " + description, key, null);
    }

    /** The aggregate the failure concerns, if it concerns one. */
    public Optional<AggregateKey> key() {
        return Optional.ofNullable(key);
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "no cause given";
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName()
                : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
}
