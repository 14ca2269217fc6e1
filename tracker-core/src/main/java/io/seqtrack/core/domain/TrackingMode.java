package io.seqtrack.core.domain;

/** How a domain's sequences are tracked. Chosen per domain in its registration. */
public enum TrackingMode {

    /**
     * Every sequence must be seen in order: {@code seq <= last} is a duplicate, {@code seq == last + 1} is in order,
     * {@code seq > last + 1} is a gap. For bounded aggregates with gap-free sequences ({@code user_account}).
     */
    STRICT,

    /**
     * High-watermark only: {@code seq <= last} is a duplicate, any {@code seq > last} is accepted and becomes the new
     * last. For streams ordered by Snowflake ids or timestamps, where gaps are normal.
     */
    MONOTONIC,

    /** Pass-through: events are never checked and no store is touched. For streams ordered by other means ({@code chat}). */
    DISABLED;

    /** Whether this mode reads and writes a store. */
    public boolean usesStore() {
        return this != DISABLED;
    }
}
