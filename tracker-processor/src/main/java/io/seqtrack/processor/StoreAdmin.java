package io.seqtrack.processor;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Operator actions over a store and a buffer, without a running processor and without a stand-in handler: list the
 * parked events, skip one, reset an aggregate, and replay an aggregate's parked events through a handler given for
 * that replay. The actions behave exactly as {@link ProcessorAdmin}'s (they run through the same code, on a private
 * one-lane processor that adopts nobody's buffered events) and are announced to the listeners as
 * {@link ProcessorEvent.AdminAction}s. Each call waits for its action, at most {@code timeout}.
 *
 * <pre>{@code
 * StoreAdmin admin = StoreAdmin.over(registry, store, buffer).listener(auditLog).build();
 * admin.skipParked(key, 7);
 * List<Outcome> outcomes = admin.replayParked(key, "ops-replay", projection::apply);
 * }</pre>
 */
public final class StoreAdmin {

    private final DomainRegistry registry;
    private final SequenceStore store;
    private final EventBuffer buffer;
    private final List<ProcessorListener> listeners;
    private final Duration timeout;

    private StoreAdmin(Builder b) {
        this.registry = b.registry;
        this.store = b.store;
        this.buffer = b.buffer;
        this.listeners = List.copyOf(b.listeners);
        this.timeout = b.timeout;
    }

    public static Builder over(DomainRegistry registry, SequenceStore store, EventBuffer buffer) {
        return new Builder(registry, store, buffer);
    }

    /** Parked events per aggregate, in sequence order. */
    public Map<AggregateKey, List<ParkedEvent>> parked() {
        return run("tracker-admin", NO_HANDLER, admin -> java.util.concurrent.CompletableFuture.completedFuture(
                admin.parked()));
    }

    /** See {@link ProcessorAdmin#skipParked}: refused (an {@link IllegalStateException}) while it cannot be done. */
    public void skipParked(AggregateKey key, long sequence) {
        run("tracker-admin", NO_HANDLER, admin -> admin.skipParked(key, sequence));
    }

    /**
     * See {@link ProcessorAdmin#reset}. A worker's live claim on the aggregate is revoked and waited out first (up to a
     * lease per round, a few rounds if workers claim it again), so this waits up to {@code timeout} plus four of the
     * domain's leases and grace periods.
     */
    public void reset(AggregateKey key, long last) {
        Duration lease = registry.lookup(key.domain()).leaseTtl();
        run("tracker-admin", NO_HANDLER, admin -> admin.reset(key, last),
                timeout.plus(lease.plusSeconds(5).multipliedBy(4)));
    }

    /**
     * Replays the aggregate's parked events, in order, through {@code handler} as worker {@code workerId}; see
     * {@link ProcessorAdmin#replayParked}.
     *
     * @return the outcome per parked event, in order
     */
    public List<Outcome> replayParked(AggregateKey key, String workerId, EventHandler handler) {
        Objects.requireNonNull(handler, "handler");
        return run(workerId, handler, admin -> admin.replayParked(key));
    }

    private <T> T run(String workerId, EventHandler handler, Function<ProcessorAdmin, CompletionStage<T>> action) {
        return run(workerId, handler, action, timeout);
    }

    private <T> T run(String workerId, EventHandler handler, Function<ProcessorAdmin, CompletionStage<T>> action,
            Duration timeout) {
        EventProcessor.Builder builder = EventProcessor.builder().registry(registry).store(store).buffer(buffer)
                .handler(handler).workerId(workerId).parallelism(1).adoptOrphanedBuffers(false);
        listeners.forEach(builder::listener);
        try (EventProcessor processor = builder.build()) {
            return action.apply(processor.admin()).toCompletableFuture().get(timeout.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the admin action did not finish within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the admin action ran", e);
        }
    }

    /** Skips and resets handle nothing: a handler that would run means a bug, so it fails loudly. */
    private static final EventHandler NO_HANDLER = (event, context) -> {
        throw new IllegalStateException("an admin action without a handler tried to handle " + event);
    };

    /** Configures a {@link StoreAdmin}. */
    public static final class Builder {
        private final DomainRegistry registry;
        private final SequenceStore store;
        private final EventBuffer buffer;
        private final List<ProcessorListener> listeners = new ArrayList<>();
        private Duration timeout = Duration.ofSeconds(60);

        private Builder(DomainRegistry registry, SequenceStore store, EventBuffer buffer) {
            this.registry = require("registry", registry);
            this.store = require("store", store);
            this.buffer = require("buffer", buffer);
        }

        /** Told every action (an {@link ProcessorEvent.AdminAction}) and what a replay does. */
        public Builder listener(ProcessorListener listener) {
            listeners.add(require("listener", listener));
            return this;
        }

        /** How long a call waits for its action. Default 60 s. */
        public Builder timeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw io.seqtrack.core.domain.InvalidConfigurationException.of("admin.timeout",
                        "must be positive, was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        public StoreAdmin build() {
            return new StoreAdmin(this);
        }

        private static <T> T require(String field, T value) {
            if (value == null) {
                throw io.seqtrack.core.domain.InvalidConfigurationException.of("admin." + field, "is required");
            }
            return value;
        }
    }
}
