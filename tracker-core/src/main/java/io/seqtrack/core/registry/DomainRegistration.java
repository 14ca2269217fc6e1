package io.seqtrack.core.registry;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.domain.TrackingMode;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How one domain is tracked. Immutable; built with {@link #builder(String)}, which validates every value as it is
 * set and names the field it rejects.
 *
 * <p>Defaults: {@link TrackingMode#STRICT}, {@link SequenceSource#SEQUENCE_NUMBER}, first sequence 1, lease TTL 30 s,
 * {@link RetryPolicy#defaults()}, gap timeout 30 s, {@link GapPolicy#PARK}, at most 1 000 buffered events per
 * aggregate.
 */
public final class DomainRegistration {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)*");

    private final String name;
    private final TrackingMode mode;
    private final SequenceSource sequenceSource;
    private final long firstSequence;
    private final Duration leaseTtl;
    private final RetryPolicy retryPolicy;
    private final Duration gapTimeout;
    private final GapPolicy gapPolicy;
    private final int maxBufferedPerAggregate;

    private DomainRegistration(Builder b) {
        this.name = b.name;
        this.mode = b.mode;
        this.sequenceSource = b.sequenceSource;
        this.firstSequence = b.firstSequence;
        this.leaseTtl = b.leaseTtl;
        this.retryPolicy = b.retryPolicy;
        this.gapTimeout = b.gapTimeout;
        this.gapPolicy = b.gapPolicy;
        this.maxBufferedPerAggregate = b.maxBufferedPerAggregate;
    }

    /**
     * Starts a registration for the domain {@code name}.
     *
     * @param name lower_snake_case, starting with a letter, at most {@value AggregateKey#MAX_DOMAIN_LENGTH} characters
     * @throws InvalidConfigurationException naming {@code name} if it does not match
     */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A new builder holding this registration's values, e.g. to derive a variant. */
    public Builder toBuilder() {
        return new Builder(name).mode(mode).sequenceSource(sequenceSource).firstSequence(firstSequence)
                .leaseTtl(leaseTtl).retryPolicy(retryPolicy).gapTimeout(gapTimeout).gapPolicy(gapPolicy)
                .maxBufferedPerAggregate(maxBufferedPerAggregate);
    }

    /** The unique lower_snake_case name, e.g. {@code user_account}. */
    public String name() {
        return name;
    }

    public TrackingMode mode() {
        return mode;
    }

    /** Which event field carries the sequence. */
    public SequenceSource sequenceSource() {
        return sequenceSource;
    }

    /** The sequence of an aggregate's first event: {@code 0} or {@code 1}. */
    public long firstSequence() {
        return firstSequence;
    }

    /** How long a claim protects a handler run before another worker may take the event over. */
    public Duration leaseTtl() {
        return leaseTtl;
    }

    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    /**
     * How long an aggregate waits for its next expected event before the {@link #gapPolicy()} decides. The processor
     * restarts this clock whenever a predecessor is committed (the gap shrank) and does not let the policy act while
     * the store is failing.
     */
    public Duration gapTimeout() {
        return gapTimeout;
    }

    public GapPolicy gapPolicy() {
        return gapPolicy;
    }

    /** The most early events buffered for one aggregate; beyond it the processor pushes back, never drops. */
    public int maxBufferedPerAggregate() {
        return maxBufferedPerAggregate;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DomainRegistration r && name.equals(r.name) && mode == r.mode
                && sequenceSource == r.sequenceSource && firstSequence == r.firstSequence
                && leaseTtl.equals(r.leaseTtl) && retryPolicy.equals(r.retryPolicy)
                && gapTimeout.equals(r.gapTimeout) && gapPolicy == r.gapPolicy
                && maxBufferedPerAggregate == r.maxBufferedPerAggregate;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, mode, sequenceSource, firstSequence, leaseTtl, retryPolicy, gapTimeout, gapPolicy,
                maxBufferedPerAggregate);
    }

    @Override
    public String toString() {
        return "DomainRegistration[" + name + ", mode=" + mode + ", source=" + sequenceSource + ", first="
                + firstSequence + ", leaseTtl=" + leaseTtl + ", gapTimeout=" + gapTimeout + ", gapPolicy="
                + gapPolicy + ", maxBufferedPerAggregate=" + maxBufferedPerAggregate + ", " + retryPolicy + "]";
    }

    /**
     * Validates each value as it is set; {@link #build()} copies, so reusing a builder never changes a built
     * registration. Field names in error messages are prefixed with the domain name, e.g. {@code chat.leaseTtl}.
     */
    public static final class Builder {
        private final String name;
        private TrackingMode mode = TrackingMode.STRICT;
        private SequenceSource sequenceSource = SequenceSource.SEQUENCE_NUMBER;
        private long firstSequence = 1;
        private Duration leaseTtl = Duration.ofSeconds(30);
        private RetryPolicy retryPolicy = RetryPolicy.defaults();
        private Duration gapTimeout = Duration.ofSeconds(30);
        private GapPolicy gapPolicy = GapPolicy.PARK;
        private int maxBufferedPerAggregate = 1_000;

        private Builder(String name) {
            if (name == null) {
                throw InvalidConfigurationException.of("name", "must not be null");
            }
            if (name.length() > AggregateKey.MAX_DOMAIN_LENGTH) {
                throw InvalidConfigurationException.of("name", "must be at most " + AggregateKey.MAX_DOMAIN_LENGTH
                        + " characters, was " + name.length());
            }
            if (!NAME.matcher(name).matches()) {
                throw InvalidConfigurationException.of("name",
                        "must be lower_snake_case starting with a letter (e.g. user_account), was '" + name + "'");
            }
            this.name = name;
        }

        public Builder mode(TrackingMode mode) {
            this.mode = Checks.notNull(field("mode"), mode);
            return this;
        }

        public Builder sequenceSource(SequenceSource sequenceSource) {
            this.sequenceSource = Checks.notNull(field("sequenceSource"), sequenceSource);
            return this;
        }

        public Builder firstSequence(long firstSequence) {
            if (firstSequence != 0 && firstSequence != 1) {
                throw InvalidConfigurationException.of(field("firstSequence"), "must be 0 or 1, was " + firstSequence);
            }
            this.firstSequence = firstSequence;
            return this;
        }

        public Builder leaseTtl(Duration leaseTtl) {
            Checks.positive(field("leaseTtl"), leaseTtl);
            if (leaseTtl.toMillis() < 1) {
                throw InvalidConfigurationException.of(field("leaseTtl"), "must be at least 1 ms, was " + leaseTtl);
            }
            this.leaseTtl = leaseTtl;
            return this;
        }

        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Checks.notNull(field("retryPolicy"), retryPolicy);
            return this;
        }

        public Builder gapTimeout(Duration gapTimeout) {
            this.gapTimeout = Checks.positive(field("gapTimeout"), gapTimeout);
            return this;
        }

        public Builder gapPolicy(GapPolicy gapPolicy) {
            this.gapPolicy = Checks.notNull(field("gapPolicy"), gapPolicy);
            return this;
        }

        public Builder maxBufferedPerAggregate(int maxBufferedPerAggregate) {
            this.maxBufferedPerAggregate = Checks.atLeast(field("maxBufferedPerAggregate"), maxBufferedPerAggregate, 1);
            return this;
        }

        public DomainRegistration build() {
            return new DomainRegistration(this);
        }

        private String field(String field) {
            return name + "." + field;
        }
    }
}
