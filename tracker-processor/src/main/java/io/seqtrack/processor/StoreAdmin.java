package io.seqtrack.processor;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.processor.internal.AdminActions;
import io.seqtrack.processor.internal.DetachedLane;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Operator actions over a store and a buffer, without a processor and without a stand-in handler: list the parked
 * events, skip one, reset an aggregate, and replay an aggregate's parked events through a handler given for that
 * replay. The actions are the ones {@link ProcessorAdmin} runs (the same code): skip and reset run directly over the
 * store and the buffer; a replay runs on a lane of its own that lives for that replay, with no wake-ups and no buffer
 * sweep — so nothing here takes charge of other aggregates' buffered events. Each action is announced to the
 * listeners as a {@link ProcessorEvent.AdminAction}. Each call waits for its action, at most {@code timeout}.
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
    private final AdminActions actions;

    private StoreAdmin(Builder b) {
        this.registry = b.registry;
        this.store = b.store;
        this.buffer = b.buffer;
        this.listeners = List.copyOf(b.listeners);
        this.timeout = b.timeout;
        this.actions = AdminActions.over(registry, store, buffer, listeners, Clock.systemUTC());
    }

    public static Builder over(DomainRegistry registry, SequenceStore store, EventBuffer buffer) {
        return new Builder(registry, store, buffer);
    }

    /** Parked events per aggregate, in sequence order. */
    public Map<AggregateKey, List<ParkedEvent>> parked() {
        return await(inBackground(actions::parked), timeout);
    }

    /**
     * See {@link ProcessorAdmin#skipParked}: refused (an {@link IllegalStateException}) while it cannot be done.
     * Buffered events the skip puts in order stay buffered, for the processors to handle (no handler runs here).
     */
    public void skipParked(AggregateKey key, long sequence) {
        await(inBackground(() -> {
            actions.skipParked(key, sequence);
            return null;
        }), timeout);
    }

    /**
     * See {@link ProcessorAdmin#reset}. A worker's live claim on the aggregate is revoked and waited out first (up to a
     * lease per round, a few rounds if workers claim it again), so this waits up to {@code timeout} plus four of the
     * domain's leases and grace periods.
     */
    public void reset(AggregateKey key, long last) {
        Duration lease = registry.lookup(key.domain()).leaseTtl();
        await(inBackground(() -> {
            actions.reset(key, last);
            return null;
        }), timeout.plus(lease.plusSeconds(5).multipliedBy(4)));
    }

    /**
     * Replays the aggregate's parked events, in order, through {@code handler} as worker {@code workerId}; see
     * {@link ProcessorAdmin#replayParked}.
     *
     * @return the outcome per parked event, in order
     */
    public List<Outcome> replayParked(AggregateKey key, String workerId, EventHandler handler) {
        Objects.requireNonNull(handler, "handler");
        EventProcessor.Builder settings = EventProcessor.builder().registry(registry).store(store).buffer(buffer)
                .handler(handler).workerId(workerId).parallelism(1);
        listeners.forEach(settings::listener);
        try (DetachedLane lane = new DetachedLane(settings.settings())) {
            return await(lane.admin().replayParked(key), timeout);
        }
    }

    /** Runs a direct action on a thread of its own, so that the caller's wait is bounded by the timeout. */
    private static <T> CompletionStage<T> inBackground(Supplier<T> action) {
        return CompletableFuture.supplyAsync(action, task -> {
            Thread thread = new Thread(task, "seqtrack-admin");
            thread.setDaemon(true);
            thread.start();
        });
    }

    private static <T> T await(CompletionStage<T> action, Duration timeout) {
        try {
            return action.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the admin action did not finish within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the admin action ran", e);
        }
    }

    /** Configures a {@link StoreAdmin}. */
    public static final class Builder {
        private final DomainRegistry registry;
        private final SequenceStore store;
        private final EventBuffer buffer;
        private final List<ProcessorListener> listeners = new ArrayList<>();
        private Duration timeout = Duration.ofSeconds(60);

        private Builder(DomainRegistry registry, SequenceStore store, EventBuffer buffer) {
            this.registry = ConfigChecks.require("admin.registry", registry);
            this.store = ConfigChecks.require("admin.store", store);
            this.buffer = ConfigChecks.require("admin.buffer", buffer);
        }

        /** Told every action (an {@link ProcessorEvent.AdminAction}) and what a replay does. */
        public Builder listener(ProcessorListener listener) {
            listeners.add(ConfigChecks.require("admin.listener", listener));
            return this;
        }

        /** How long a call waits for its action. Default 60 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = ConfigChecks.positive("admin.timeout", timeout);
            return this;
        }

        public StoreAdmin build() {
            return new StoreAdmin(this);
        }
    }
}
