package io.seqtrack.core.port.out;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import java.time.Duration;
import java.util.Objects;

/**
 * Argument checks every {@link SequenceStore} method applies before it touches its backend, shared so that all
 * adapters reject the same inputs with the same messages. A rejected argument throws
 * {@link IllegalArgumentException} (or {@link NullPointerException} for a null) naming the parameter; the store
 * is left unchanged.
 */
public final class StoreArguments {

    /** The longest claim owner id accepted. */
    public static final int MAX_OWNER_LENGTH = 256;

    /**
     * Reserved: the owner of an operator's hold on an aggregate whose claim a reset or delete revoked is this prefix
     * followed by the moment the operator may act. A worker's owner id starting with it would be taken for a hold
     * (its live claim neither revoked nor waited out), so no claim may use it.
     */
    public static final String OPERATOR_OWNER_PREFIX = "seqtrack-operator@";

    private StoreArguments() {
    }

    public static AggregateKey requireKey(AggregateKey key) {
        return Objects.requireNonNull(key, "key");
    }

    /** A store sequence is {@code >= 1}. */
    public static long requireSequence(long seq) {
        if (seq < 1) {
            throw new IllegalArgumentException("seq must be >= 1, was " + seq);
        }
        return seq;
    }

    /** A last committed sequence set by an operator is {@code >= 0} ({@code 0}: nothing committed). */
    public static long requireLast(long last) {
        if (last < 0) {
            throw new IllegalArgumentException("last must be >= 0, was " + last);
        }
        return last;
    }

    /** Only tracked modes reach a store; {@link TrackingMode#DISABLED} never does. */
    public static TrackingMode requireTrackedMode(TrackingMode mode) {
        Objects.requireNonNull(mode, "mode");
        if (!mode.usesStore()) {
            throw new IllegalArgumentException("mode " + mode + " does not use a store");
        }
        return mode;
    }

    public static String requireOwner(String owner) {
        Objects.requireNonNull(owner, "owner");
        if (owner.isBlank() || owner.length() > MAX_OWNER_LENGTH) {
            throw new IllegalArgumentException(
                    "owner must be non-blank and at most " + MAX_OWNER_LENGTH + " characters, was '" + owner + "'");
        }
        int broken = AggregateKey.unpairedSurrogate(owner);
        if (broken >= 0) {
            // not text: it has no UTF-8 form, so a store comparing bytes would take two different owners for one
            throw new IllegalArgumentException("owner contains an unpaired UTF-16 surrogate at index " + broken);
        }
        if (owner.startsWith(OPERATOR_OWNER_PREFIX)) {
            throw new IllegalArgumentException("owner must not start with '" + OPERATOR_OWNER_PREFIX
                    + "' (reserved for an operator's hold), was '" + owner + "'");
        }
        return owner;
    }

    /** A skip moves from {@code expectedLast >= 0} strictly forward to {@code newLast}, with a record of it. */
    public static void requireSkip(long expectedLast, long newLast, SkippedRange record) {
        requireLast(expectedLast);
        if (newLast <= expectedLast) {
            throw new IllegalArgumentException("newLast must be above expectedLast " + expectedLast + ", was " + newLast);
        }
        Objects.requireNonNull(record, "record");
    }

    /** A lease lasts at least one millisecond. */
    public static Duration requireLeaseTtl(Duration leaseTtl) {
        Objects.requireNonNull(leaseTtl, "leaseTtl");
        if (leaseTtl.toMillis() < 1) {
            throw new IllegalArgumentException("leaseTtl must be at least 1 ms, was " + leaseTtl);
        }
        return leaseTtl;
    }

    /** Fencing tokens handed out by stores are {@code >= 1}. */
    public static long requireFencingToken(long fencingToken) {
        if (fencingToken < 1) {
            throw new IllegalArgumentException("fencingToken must be >= 1, was " + fencingToken);
        }
        return fencingToken;
    }
}
