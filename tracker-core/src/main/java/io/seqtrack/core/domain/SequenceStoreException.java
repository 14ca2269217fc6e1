package io.seqtrack.core.domain;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The store could not answer, or answered in a way that cannot be trusted: connection refused, timeout, a
 * corrupted value. <strong>The outcome of the operation is unknown</strong>: the caller must retry or give up,
 * never assume a verdict. A store never turns an unreachable backend into "nothing committed yet".
 *
 * <p>Retrying is always safe: {@code advance} and {@code claim} re-check against the stored state, and a
 * {@code commit} whose first attempt landed answers {@code ALREADY_COMMITTED} on retry. A failed batch says per element
 * what is known: {@link #batchResults()}.
 */
public final class SequenceStoreException extends SequenceTrackingException {

    private static final long serialVersionUID = 1L;

    private final transient AggregateKey key;
    /** For a failed batch: per request, its answer where known, {@code null} where unknown; {@code null} otherwise. */
    private final transient List<Object> batchResults;

    private SequenceStoreException(String message, AggregateKey key, Throwable cause) {
        this(message, key, cause, null);
    }

    private SequenceStoreException(String message, AggregateKey key, Throwable cause, List<Object> batchResults) {
        super(message, cause);
        this.key = key;
        this.batchResults = batchResults;
    }

    /**
     * A batch call failed part-way: some elements may have taken effect (on a Redis Cluster a batch is one script per
     * hash slot, and one slot's failure does not undo the others). {@code known} holds, per request in order, the
     * answer the element got — exactly what the single call would have returned — or {@code null} where the outcome is
     * unknown (failed, timed out, or never sent).
     *
     * @param what  what was attempted, e.g. {@code "claim batch of 64"}
     * @param known per request, the answer or {@code null}
     * @param cause the first failure
     */
    public static SequenceStoreException partialBatch(String what, List<?> known, Throwable cause) {
        List<Object> results = Collections.unmodifiableList(new ArrayList<>(known));
        long unknown = results.stream().filter(r -> r == null).count();
        return new SequenceStoreException(what + " failed for " + unknown + " of " + results.size()
                + " element(s), their outcome unknown (the others answered, see batchResults()): " + describe(cause),
                null, cause, results);
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
     * The store could not be connected to: nothing was read or written, so — unlike every other failure — the
     * outcome is known. Check the address, the credentials and the server, then start again.
     *
     * @param target where, without credentials, e.g. {@code "store to redis://127.0.0.1:6379/0"}
     * @param reason why, in the server's or the network's words, e.g. {@code "Redis answered: WRONGPASS …"}
     * @param cause  the driver's exception
     */
    public static SequenceStoreException cannotConnect(String target, String reason, Throwable cause) {
        return new SequenceStoreException("cannot connect " + target + ": " + reason + " (nothing was read or written)",
                null, cause);
    }

    /**
     * The call was never sent (the store was closed while it waited to be): nothing was read or written for it, so —
     * like {@link #cannotConnect} — its outcome is known.
     *
     * @param operation the SPI operation, e.g. {@code "advance"}
     * @param key       the aggregate it was about
     * @param reason    why it was not sent, e.g. {@code "the store is closed"}
     */
    public static SequenceStoreException notSent(String operation, AggregateKey key, String reason) {
        return new SequenceStoreException(operation + " of " + key + " was not sent: " + reason
                + " (nothing was read or written)", key, null);
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

    /**
     * For a failed batch, per request in order: the answer the element got (an {@code AdvanceResult},
     * {@code ClaimResult}, … exactly as the single call would have returned it), or empty where its outcome is unknown
     * — it may or may not have taken effect, so retry it as after any unknown outcome. An empty list when the failure
     * was not of a batch, or nothing of it is known.
     */
    public List<Optional<Object>> batchResults() {
        if (batchResults == null) {
            return List.of();
        }
        List<Optional<Object>> view = new ArrayList<>(batchResults.size());
        for (Object r : batchResults) {
            view.add(Optional.ofNullable(r));
        }
        return Collections.unmodifiableList(view);
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
