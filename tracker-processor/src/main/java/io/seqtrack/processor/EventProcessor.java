package io.seqtrack.processor;

import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.processor.internal.LaneProcessor;
import io.seqtrack.processor.internal.ProcessorSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * The event processor applications embed in their consumers. Per aggregate: one event at a time, in sequence order,
 * through claim → handle → commit; early events wait in the {@link EventBuffer} until their predecessors are committed
 * (by this worker or any other on the same store) or the domain's gap policy decides; failing handlers are retried with
 * backoff and then parked, blocking their aggregate (sequenced dead letters). Different aggregates run in parallel lanes.
 *
 * <pre>{@code
 * EventProcessor processor = EventProcessor.builder()
 *         .registry(DomainRegistry.seedDefaults())
 *         .store(store).buffer(buffer)
 *         .handler((event, ctx) -> apply(event, ctx.fencingToken()))
 *         .build();
 * processor.submit(event).thenAccept(outcome -> { if (outcome.safeToAcknowledge()) ack(event); });
 * }</pre>
 */
public interface EventProcessor extends AutoCloseable {

    /**
     * Submits an event. The stage completes once the event has a final, safe {@link Outcome}; it completes
     * exceptionally (with {@link io.seqtrack.core.domain.SequenceStoreException}) when the store or buffer could not
     * answer — then nothing is known to have happened: do not ack, let the broker redeliver. Blocks the caller while
     * {@code maxInFlight} submissions are unfinished (back-pressure, never an unbounded queue).
     */
    CompletionStage<Outcome> submit(Event event);

    /**
     * Submits an event and follows it to its fate: {@link Submission#accepted()} is what {@link #submit} returns,
     * {@link Submission#settled()} completes once the fate is final (also for an event buffered first), and
     * {@link Submission#acknowledgeable()} says when a broker may forget it. Blocks like {@link #submit}.
     */
    Submission submitTracked(Event event);

    /**
     * {@link #submitTracked(Event)} with an attachment: an object of the caller's — the input line, the broker record,
     * a trace context — that the processor carries with the event and hands back wherever it reports on it, so that a
     * caller needs no map from events to where they came from: {@link Submission#attachment()},
     * {@link HandlerContext#attachment()} in the handler (also when the event waited in the buffer first and is
     * handled when its gap closes) and the {@link ProcessorEvent.Parked} and {@link ProcessorEvent.Rejected} events.
     * The processor never reads, stores or serialises it: it lives only in this process, so an event buffered by
     * another worker, or read back from the buffer after a restart, or replayed by an operator, has none. Of several
     * submissions of one event that wait in the buffer together, the first one's attachment goes with the event.
     *
     * <p>The default implementation ignores the attachment and calls {@link #submitTracked(Event)}: implementations
     * that decorate another processor should override it and pass the attachment on.
     *
     * @param attachment the caller's object, or {@code null} for none
     */
    default Submission submitTracked(Event event, Object attachment) {
        return submitTracked(event);
    }

    /**
     * Submits {@code events} in list order as if by {@link #submitTracked} one after the other — the same outcomes, the
     * same order per aggregate — and returns their submissions, in the same order. It is the cheaper way for a caller
     * that has many events at once (a broker poll's records): the processor admits them against {@code maxInFlight}
     * together (blocking, as {@link #submit} does, until permits for a part of the list are free — never for more
     * than {@code maxInFlight} at a time, so a list longer than that is admitted in parts) and hands each lane its
     * events in one go. An event that is invalid or of an unknown domain gets a submission answered
     * {@link Outcome#REJECTED}, as {@link #submitTracked} answers it; the others are not affected. After
     * {@link #close()} every submission fails, as a single one would. If the caller's thread is interrupted while it
     * waits for permits, the events not yet admitted get submissions failed with the {@link InterruptedException}
     * (the thread keeps its interrupt status); those admitted before go on.
     *
     * <p>The default implementation calls {@link #submitTracked} for each event.
     *
     * @param events the events, not null (an empty list returns an empty list)
     * @return one submission per event, in the order of {@code events}
     */
    default List<Submission> submitAllTracked(List<Event> events) {
        List<Submission> submissions = new ArrayList<>(events.size());
        for (Event event : events) {
            submissions.add(submitTracked(event));
        }
        return submissions;
    }

    /**
     * Whether the buffer survives this process, so that a {@link Outcome#BUFFERED} event is safe to acknowledge (see
     * {@link io.seqtrack.core.port.out.EventBuffer#durable()}).
     */
    boolean durableBuffer();

    /**
     * How many submissions may be unfinished (not yet accepted) before a submit blocks its caller — the builder's
     * {@code maxInFlight}. Broker adapters refuse an in-flight window above it: their poll thread must never block in a
     * submit. The default, for an implementation that never blocks, is unbounded.
     */
    default int maxInFlight() {
        return Integer.MAX_VALUE;
    }

    /** Operator actions on parked aggregates. */
    ProcessorAdmin admin();

    /** Current gauges. */
    ProcessorSnapshot snapshot();

    /** Stops the lanes (after the work already queued); closes the scheduler if the processor created it. */
    @Override
    void close();

    static Builder builder() {
        return new Builder();
    }

    /** Configures a processor; validates each value as it is set, and completeness on {@link #build()}. */
    final class Builder {
        DomainRegistry registry;
        SequenceStore store;
        EventBuffer buffer;
        EventHandler handler;
        BatchEventHandler batchHandler;
        int maxBatch = 64;
        boolean stickyOwnership;
        String workerId = ConfigChecks.defaultWorkerId();
        int parallelism = Math.max(1, Runtime.getRuntime().availableProcessors());
        ProcessorScheduler scheduler;
        final List<ProcessorListener> listeners = new ArrayList<>();
        GapListener gapListener = (key, from, to) -> { };
        long maxBufferedTotal = 100_000;
        int maxInFlight = 10_000;
        Duration busyRetryDelay = Duration.ofMillis(100);
        Duration bufferRecheckInterval = Duration.ofSeconds(1);
        Duration bufferSweepInterval = Duration.ofSeconds(30);
        boolean adoptOrphanedBuffers = true;
        DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();

        Builder() {
        }

        public Builder registry(DomainRegistry registry) {
            this.registry = require("registry", registry);
            return this;
        }

        public Builder store(SequenceStore store) {
            this.store = require("store", store);
            return this;
        }

        public Builder buffer(EventBuffer buffer) {
            this.buffer = require("buffer", buffer);
            return this;
        }

        /** The application's per-event handler. Exactly one of this and {@link #batchHandler} is required. */
        public Builder handler(EventHandler handler) {
            this.handler = require("handler", handler);
            return this;
        }

        /**
         * The application's handler for whole lane batches (one database transaction per batch, say), instead of
         * {@link #handler}. See {@link BatchEventHandler} for what a failing batch means.
         */
        public Builder batchHandler(BatchEventHandler batchHandler) {
            this.batchHandler = require("batchHandler", batchHandler);
            return this;
        }

        /**
         * The most events a lane claims, handles and commits together (events of distinct aggregates that are ready at
         * once): one store round trip per phase per batch instead of per event. Batches grow with load and stay at one
         * event while a lane keeps up. Default 64; 1 turns batching off.
         */
        public Builder maxBatch(int maxBatch) {
            this.maxBatch = ConfigChecks.within("processor.maxBatch", maxBatch, 1, 10_000);
            return this;
        }

        /** This worker's id, the claim owner; unique per process. Default: host, pid and a random suffix. */
        public Builder workerId(String workerId) {
            this.workerId = ConfigChecks.workerId("processor.workerId", workerId);
            return this;
        }

        /** Lanes, i.e. aggregates handled at the same time. Default: available processors. Ignored with {@link #scheduler}. */
        public Builder parallelism(int parallelism) {
            this.parallelism = ConfigChecks.within("processor.parallelism", parallelism, 1, 4096);
            return this;
        }

        /** The scheduler (lanes, timers, clock). Default: {@code ProcessorScheduler.threads(parallelism)}, owned. */
        public Builder scheduler(ProcessorScheduler scheduler) {
            this.scheduler = require("scheduler", scheduler);
            return this;
        }

        public Builder listener(ProcessorListener listener) {
            listeners.add(require("listener", listener));
            return this;
        }

        /** The resend hook, told whenever an aggregate starts waiting for missing sequences. */
        public Builder gapListener(GapListener gapListener) {
            this.gapListener = require("gapListener", gapListener);
            return this;
        }

        /** The most events this processor keeps pending in the buffer in total; beyond it, BUFFER_FULL. */
        public Builder maxBufferedTotal(long maxBufferedTotal) {
            this.maxBufferedTotal = ConfigChecks.atLeast("processor.maxBufferedTotal", maxBufferedTotal, 1);
            return this;
        }

        /**
         * Sticky ownership (off by default): when a committing event's successor is already queued on the lane, the
         * commit also claims it in the same store operation and the next batch uses that claim — one store operation per
         * handled event for streams of one aggregate (see docs/processor.md). Off, every event claims for itself.
         */
        public Builder stickyOwnership(boolean sticky) {
            this.stickyOwnership = sticky;
            return this;
        }

        /** Unfinished submissions before {@link #submit} blocks its caller. */
        public Builder maxInFlight(int maxInFlight) {
            this.maxInFlight = (int) ConfigChecks.atLeast("processor.maxInFlight", maxInFlight, 1);
            return this;
        }

        /** How long to wait before claiming again when another worker holds the aggregate. */
        public Builder busyRetryDelay(Duration delay) {
            this.busyRetryDelay = positive("processor.busyRetryDelay", delay);
            return this;
        }

        /**
         * How often buffered events are re-checked against the store, so a predecessor committed by another worker
         * releases them even without a wake-up signal.
         */
        public Builder bufferRecheckInterval(Duration interval) {
            this.bufferRecheckInterval = positive("processor.bufferRecheckInterval", interval);
            return this;
        }

        /**
         * How often the whole buffer is swept for aggregates nobody waits for (after a crash or restart), which then
         * get a gap timer; also re-synchronises the total-buffer count. Default 30 s; a sweep lists the buffer (a SCAN
         * on Redis), so keep it coarse.
         */
        public Builder bufferSweepInterval(Duration interval) {
            this.bufferSweepInterval = positive("processor.bufferSweepInterval", interval);
            return this;
        }

        /**
         * Whether this processor sweeps the buffer for events nobody waits for and takes charge of them (default on:
         * a worker of the deployment picks up what a crashed worker left). Turn it off only for a processor that is a
         * guest in a store other processors use and whose handler is not theirs — {@code tracker simulate} under a
         * named key prefix: it must handle the events it is given and nothing else. Operator actions need no processor
         * at all ({@link StoreAdmin}).
         */
        public Builder adoptOrphanedBuffers(boolean adopt) {
            this.adoptOrphanedBuffers = adopt;
            return this;
        }

        /** Source of jitter in {@code [0, 1)}; tests make it constant. */
        public Builder random(DoubleSupplier random) {
            this.random = require("random", random);
            return this;
        }

        public EventProcessor build() {
            return new LaneProcessor(settings());
        }

        /** The validated, immutable settings a processor is built from ({@link StoreAdmin} replays on them too). */
        ProcessorSettings settings() {
            require("registry", registry);
            require("store", store);
            require("buffer", buffer);
            if (handler == null && batchHandler == null) {
                throw InvalidConfigurationException.of("processor.handler", "is required (or processor.batchHandler)");
            }
            if (handler != null && batchHandler != null) {
                throw InvalidConfigurationException.of("processor.batchHandler",
                        "cannot be combined with processor.handler: set one of them");
            }
            return new ProcessorSettings(registry, store, buffer, handler, batchHandler, workerId, parallelism,
                    scheduler, listeners, gapListener, maxBufferedTotal, maxInFlight, maxBatch, stickyOwnership,
                    busyRetryDelay, bufferRecheckInterval, bufferSweepInterval, adoptOrphanedBuffers, random);
        }

        private static <T> T require(String field, T value) {
            return ConfigChecks.require("processor." + field, value);
        }

        private static Duration positive(String field, Duration value) {
            return ConfigChecks.positive(field, value);
        }
    }
}
