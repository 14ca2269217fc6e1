package io.seqtrack.kafka;

import io.seqtrack.kafka.PartitionLedger.Slot;
import io.seqtrack.processor.Event;
import io.seqtrack.processor.HandlerFailedException;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.Submission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner: one thread owns the consumer and every {@link PartitionLedger}. Outcomes arrive from the processor's
 * threads as {@link Completion}s on a queue the poll thread drains between polls (and while it waits for a hand-over),
 * so no state is shared; every consumer call (pause, seek, commit) happens on the poll thread. The only call from
 * another thread is {@link Consumer#wakeup()}: a poll that waits while outcomes are due is woken by a batch of them
 * (or at once by one that asks for action), so the loop neither sleeps on outcomes that are there nor turns for each.
 */
final class PollLoop implements KafkaConsumerRunner, ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(PollLoop.class);
    private static final long WAIT_SLICE_MILLIS = 10;
    /** The longest a poll waits for a batch of outcomes to complete (see {@link #turn}). */
    static final Duration BATCH_WAIT = Duration.ofMillis(5);
    /** Why a partition is paused (the snapshot's {@code pausedBecause}, the {@code Paused} event). */
    private static final String BACKOFF = "backoff after a redelivery";
    private static final String QUEUE_FULL = "maxInFlightPerPartition records fetched and not yet submitted";
    private static final String IDLE = "caught up while a partition with records to fetch is held back (see brokers.md)";
    /** Commit attempts a stray wake-up may cost (see {@link #commitSyncThroughWakeups}). */
    static final int COMMIT_ATTEMPTS = 3;

    private final RunnerSettings settings;
    private final Map<TopicPartition, PartitionLedger> ledgers = new LinkedHashMap<>();
    private final Map<TopicPartition, String> paused = new HashMap<>();
    private final BlockingQueue<Completion> completions = new LinkedBlockingQueue<>();
    /** {@link #drainCompletions}'s batch (poll thread). */
    private final List<Completion> drained = new ArrayList<>();
    /**
     * Set while the poll thread waits in {@code poll()} with outcomes due: the completion that makes {@link #wakeAfter}
     * of them queued, or one that is not a plain acknowledgement, wakes it up.
     */
    private final AtomicBoolean wakeOnCompletion = new AtomicBoolean();
    /** How many queued completions wake a waiting poll; written before {@link #wakeOnCompletion} is raised. */
    private volatile int wakeAfter = 1;
    /** A quarter of maxInFlight (see {@link #turn}). */
    private final int wakeBatch;
    private Consumer<byte[], byte[]> consumer;
    private Thread thread;
    /** Submissions and rejections whose completion has not arrived, over all partitions. */
    private int outstanding;
    private Instant lastCommit = Instant.MIN;
    private volatile boolean closing;
    private volatile boolean killed;
    private volatile Throwable failure;
    private volatile KafkaRunnerSnapshot snapshot = new KafkaRunnerSnapshot(List.of(), 0, false);
    /** Where {@link #submitQueued}'s next round starts, in the order of {@link #ledgers}. */
    private int roundRobinNext;
    /** Since when caught-up partitions are paused beside one held back (null while they are not): see {@link #idle}. */
    private Instant idleSince;
    /** When caught-up partitions may be paused so again, after they were for {@code fetch.max.wait.ms} in a row. */
    private Instant idleAllowedFrom = Instant.MIN;
    /** While caught-up partitions are paused so: the ones held back for their queue with records to fetch. */
    private final Set<TopicPartition> idleFor = new HashSet<>();
    /** While caught-up partitions are paused so: those known to be caught up (their lag was asked for meanwhile). */
    private final Set<TopicPartition> idleCaughtUp = new HashSet<>();

    private final Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers;

    PollLoop(RunnerSettings settings) {
        this(settings, KafkaConsumer::new);
    }

    /** With another consumer (tests drive the loop turn by turn on a {@code MockConsumer}). */
    PollLoop(RunnerSettings settings, Function<Map<String, Object>, Consumer<byte[], byte[]>> consumers) {
        this.settings = settings;
        this.consumers = consumers;
        this.wakeBatch = Math.max(1, settings.maxInFlight() / 4);
    }

    @Override
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("the runner was started already");
        }
        open();
        thread = new Thread(this::run, "seqtrack-kafka-" + settings.consumerProperties().get(
                ConsumerConfig.GROUP_ID_CONFIG));
        thread.start();
    }

    /** Creates the consumer and subscribes (the poll thread takes it over). */
    void open() {
        Map<String, Object> properties = new HashMap<>(settings.consumerProperties());
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // where a partition has no committed offset (a new group, a partition added to the topic, an offset retention
        // removed): from the beginning — the store answers what was handled already DUPLICATE — unless the application
        // says otherwise; Kafka's default, latest, skips those records without a trace (review finding)
        properties.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // a partition paused for back-pressure is left out of the fetch sent meanwhile; if that fetch asks only for
        // caught-up partitions the broker holds it this long, and the resumed partition's fetch waits behind it
        properties.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, (int) settings.fetchMaxWait().toMillis());
        consumer = consumers.apply(properties);
        consumer.subscribe(settings.topics(), this);
        snapshot = new KafkaRunnerSnapshot(List.of(), 0, true);
    }

    @Override
    public KafkaRunnerSnapshot snapshot() {
        return snapshot;
    }

    @Override
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public void close() {
        closing = true;
        consumer.wakeup(); // a poll in progress returns at once instead of waiting out its timeout
        join();
    }

    /**
     * Test hook: stop as a killed process would — no hand-over wait, no commit. The consumer still leaves the group
     * (so the test need not wait out a session timeout); what was not committed is redelivered to the next owner.
     */
    void kill() {
        killed = true;
        join();
    }

    private void join() {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        try {
            t.join(settings.closeTimeout().plusSeconds(60).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ the poll thread

    private void run() {
        try {
            while (!closing && !killed) {
                turn();
            }
            if (killed) {
                consumer.close(CloseOptions.timeout(Duration.ZERO));
            } else {
                shutDown();
            }
        } catch (InterruptException e) {
            failure = e;
            LOG.error("the Kafka runner's poll thread was interrupted; it stops without committing", e);
            closeQuietly();
        } catch (RuntimeException | Error e) {
            failure = e;
            LOG.error("the Kafka runner stops: {}", e.toString(), e);
            closeQuietly();
        } finally {
            publishSnapshot(false);
        }
    }

    /** One turn: outcomes in, submissions out, pauses, commit, poll. */
    void turn() {
        drainCompletions();
        submitQueued();
        updatePauses();
        commitIfDue();
        publishSnapshot(true);
        Duration timeout = pollTimeout(settings.clock().instant());
        if (outstanding > 0) {
            // woken by a batch of outcomes, not by each: a turn costs a whole consumer poll, and woken by the first
            // outcome the loop turned once per handful of records when the lanes complete them one by one. At most the
            // outstanding ones, so the last of a burst still wake it; an outcome to act on (a redelivery, a rejection)
            // wakes it at once. While fewer than all may come (some wait for a gap, a retry), the poll waits no longer
            // than BATCH_WAIT: outcomes that arrived but do not make a batch are applied that late at most
            int wake = Math.min(outstanding, wakeBatch);
            wakeAfter = wake;
            wakeOnCompletion.set(true);
            if (completions.size() >= wake) {
                timeout = Duration.ZERO; // they arrived since the drain (before the flag was up): do not wait for more
            } else if (wake > 1 && timeout.compareTo(BATCH_WAIT) > 0) {
                timeout = BATCH_WAIT;
            }
        }
        ConsumerRecords<byte[], byte[]> records;
        try {
            records = consumer.poll(timeout);
        } catch (WakeupException e) {
            if (closing || killed) {
                return; // close() woke the poll up: shut down now
            }
            records = ConsumerRecords.empty(); // an outcome arrived
        } finally {
            wakeOnCompletion.set(false);
        }
        if (killed) {
            return;
        }
        for (TopicPartition partition : records.partitions()) {
            PartitionLedger ledger = ledger(partition);
            for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
                ledger.take(record);
            }
        }
        submitQueued();
    }

    /**
     * How long the next poll may wait for records: {@code pollTimeout}, or less when a partition's backoff ends or a
     * commit falls due before. An outcome that arrives meanwhile wakes the poll up (see {@link #completed}).
     */
    private Duration pollTimeout(Instant now) {
        Instant until = now.plus(settings.pollTimeout());
        if (idleSince != null && idleSince.plus(settings.fetchMaxWait()).isBefore(until)) {
            // they fetch again then (see idle); not before now: the turn may have outlasted the pause since it was
            // decided, and a negative timeout is refused by KafkaConsumer.poll (the runner stopped: review finding)
            Instant end = idleSince.plus(settings.fetchMaxWait());
            until = end.isAfter(now) ? end : now;
        }
        for (PartitionLedger ledger : ledgers.values()) {
            if (ledger.resumeAt.isAfter(now) && ledger.resumeAt.isBefore(until)) {
                until = ledger.resumeAt;
            }
            if (ledger.hasUncommitted()) {
                Instant due = lastCommit.plus(settings.commitInterval());
                if (due.isBefore(until)) {
                    until = due.isAfter(now) ? due : now;
                }
            }
        }
        Duration timeout = Duration.between(now, until);
        // KafkaConsumer.poll counts whole milliseconds: less than one would be poll(0), turned again and again until
        // the deadline has passed (a spin of up to a millisecond per deadline)
        return timeout.isZero() || timeout.toMillis() > 0 ? timeout : Duration.ofMillis(1);
    }

    private PartitionLedger ledger(TopicPartition partition) {
        return ledgers.computeIfAbsent(partition, PartitionLedger::new);
    }

    /**
     * Round robin over the partitions, one record each per pass, so no partition takes all of maxInFlight; what is
     * taken goes to the processor as one batch ({@link #submitAll}). The round goes on from the partition after the last
     * one served, turn after turn: started at the first partition each time, capacity freed a few records at a time went
     * to the first partitions again and again, and since a partition keeps fetching while its queue is below
     * maxInFlightPerPartition, their queues never ran dry while they had a backlog — a partition behind them starved
     * (review finding).
     */
    private void submitQueued() {
        if (outstanding >= settings.maxInFlight() || ledgers.isEmpty()) {
            return;
        }
        Instant now = settings.clock().instant();
        List<Slot> batch = new ArrayList<>();
        List<PartitionLedger> order = new ArrayList<>(ledgers.values());
        int n = order.size();
        int start = Math.floorMod(roundRobinNext, n);
        boolean submitted = true;
        while (submitted && outstanding < settings.maxInFlight()) {
            submitted = false;
            for (int i = 0; i < n && outstanding < settings.maxInFlight(); i++) {
                int index = (start + i) % n;
                PartitionLedger ledger = order.get(index);
                if (ledger.hasQueued() && !ledger.stopping
                        && !ledger.atLimit(settings.maxInFlightPerPartition()) && !now.isBefore(ledger.resumeAt)) {
                    batch.add(ledger.submitNext());
                    outstanding++;
                    submitted = true;
                    roundRobinNext = index + 1;
                }
            }
        }
        if (!batch.isEmpty()) {
            submitAll(batch);
        }
    }

    /**
     * Maps the slots' records (an unmappable one goes to the rejection handler) and submits the events with one
     * {@code submitAllTracked}: one admission and one hand-off per lane for the batch instead of per record. Each slot
     * is counted outstanding already; its completion comes back on its own, when its outcome is acknowledgeable.
     */
    private void submitAll(List<Slot> slots) {
        List<Event> events = new ArrayList<>(slots.size());
        List<Slot> mapped = new ArrayList<>(slots.size());
        for (Slot slot : slots) {
            Event event;
            try {
                event = settings.mapper().map(slot.record);
            } catch (RuntimeException e) {
                reject(slot, new RejectedRecord(slot.record, e.getMessage() == null ? e.toString() : e.getMessage(),
                        RejectedRecord.Kind.UNMAPPABLE));
                continue;
            }
            events.add(event);
            mapped.add(slot);
        }
        if (events.isEmpty()) {
            return;
        }
        List<Submission> submissions;
        try {
            submissions = settings.processor().submitAllTracked(events);
            if (submissions.size() != events.size()) {
                throw new IllegalStateException("the processor answered " + submissions.size() + " submissions for "
                        + events.size() + " events");
            }
        } catch (RuntimeException e) {
            // which of them went in is not known: none is acknowledged, the first one of each partition is redelivered
            // (a copy that was handled meanwhile is a duplicate then)
            for (Slot slot : mapped) {
                completed(new Completion(slot, null, e, null));
            }
            return;
        }
        for (int i = 0; i < mapped.size(); i++) {
            Slot slot = mapped.get(i);
            Submission submission = submissions.get(i);
            try {
                slot.settled = submission.settled().toCompletableFuture();
            } catch (RuntimeException e) {
                slot.settled = null; // a processor whose stages are not futures: the hand-over waits for all
            }
            CompletionStage<Outcome> acknowledgeable;
            try {
                acknowledgeable = submission.acknowledgeable();
            } catch (RuntimeException e) {
                acknowledgeable = CompletableFuture.failedFuture(e);
            }
            acknowledgeable.whenComplete((outcome, error) -> completed(outcome == Outcome.REJECTED
                    ? new Completion(slot, outcome, error, null, submission.rejectionReason().orElse(null))
                    : new Completion(slot, outcome, error, null)));
        }
    }

    /** {@code slot} is counted outstanding already; its completion comes back when the handler is done with it. */
    private void reject(Slot slot, RejectedRecord rejected) {
        CompletionStage<Void> stage;
        try {
            stage = settings.rejections().reject(rejected);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        if (stage == null) { // a failed rejection (delivered again), not an NPE that stops the runner
            stage = CompletableFuture.failedFuture(new IllegalStateException("the rejection handler returned null "
                    + "instead of a stage for " + describe(slot)));
        }
        stage.whenComplete((ignored, error) -> completed(new Completion(slot, null, error, rejected)));
    }

    /**
     * On the thread that completed the stage: queue the outcome, and wake the poll up if it waits for it — for
     * {@link #wakeAfter} of them, or for this one if it is not a plain acknowledgement.
     */
    private void completed(Completion completion) {
        completions.add(completion);
        if (wakeOnCompletion.get() && (completions.size() >= wakeAfter || !completion.plainAcknowledgement())
                && wakeOnCompletion.getAndSet(false)) {
            consumer.wakeup();
        }
    }

    /** Applies the completions that arrived: taken from the queue in one go (one lock, not one per completion). */
    private void drainCompletions() {
        while (completions.drainTo(drained) > 0) {
            for (Completion completion : drained) {
                apply(completion);
            }
            drained.clear();
        }
    }

    /** What an outcome means for the record's offset. */
    private void apply(Completion c) {
        if (c.slot().released) {
            return; // given back at a hand-over (parked in memory): its ledger is gone, its capacity counted off
        }
        outstanding--;
        PartitionLedger ledger = c.slot().ledger;
        boolean current = ledger.completed(c.slot()) && ledgers.get(ledger.partition) == ledger;
        if (!current) {
            return; // rewound or revoked meanwhile: delivered again, or someone else's now
        }
        Throwable error = c.error() instanceof CompletionException && c.error().getCause() != null
                ? c.error().getCause() : c.error();
        if (c.rejected() != null) {
            if (error == null) {
                acknowledge(c.slot(), null);
                emit(new KafkaRunnerEvent.Rejected(c.rejected()));
            } else {
                redeliver(c.slot(), "the rejection handler failed: " + error);
            }
        } else if (error instanceof HandlerFailedException) {
            requeueAsRejection(c.slot(), new RejectedRecord(c.slot().record, error.getMessage(),
                    RejectedRecord.Kind.HANDLER_FAILED));
        } else if (error != null) {
            redeliver(c.slot(), error.toString());
        } else if (c.outcome() == Outcome.REJECTED) {
            requeueAsRejection(c.slot(), new RejectedRecord(c.slot().record, "the processor rejected the event ("
                    + (c.rejectionReason() == null ? "invalid" : c.rejectionReason()) + "): " + describe(c.slot()),
                    RejectedRecord.Kind.INVALID_EVENT));
        } else if (c.outcome().safeToAcknowledge()) {
            acknowledge(c.slot(), c.outcome());
        } else {
            redeliver(c.slot(), "outcome " + c.outcome());
        }
    }

    private void requeueAsRejection(Slot slot, RejectedRecord rejected) {
        slot.ledger.resubmit(slot);
        outstanding++;
        reject(slot, rejected);
    }

    private void acknowledge(Slot slot, Outcome outcome) {
        slot.ledger.acknowledge(slot);
        if (outcome != null) {
            emit(new KafkaRunnerEvent.Acknowledged(slot.ledger.partition, slot.offset(), outcome));
        }
    }

    /** Not acknowledged: rewind the partition to the record and let it rest; while stopping, just hold the prefix. */
    private void redeliver(Slot slot, String reason) {
        PartitionLedger ledger = slot.ledger;
        if (ledger.stopping) {
            ledger.fail(slot);
            return;
        }
        long offset = ledger.rewind(slot);
        consumer.seek(ledger.partition, offset);
        idleCaughtUp.remove(ledger.partition); // its lag grew: asked for again before it is paused as caught up
        ledger.resumeAt = settings.clock().instant().plus(settings.backoff(ledger.failures));
        emit(new KafkaRunnerEvent.Redelivering(ledger.partition, offset, reason));
    }

    /**
     * Pause what must not fetch (backoff, queued records, in-flight limits) and what is caught up beside it (see
     * {@link #idle}), resume the rest.
     */
    private void updatePauses() {
        Instant now = settings.clock().instant();
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        boolean idle = idle(now);
        for (PartitionLedger ledger : ledgers.values()) {
            String reason = pauseReason(ledger, now);
            if (reason == null && idle) {
                reason = IDLE;
            }
            String was = paused.get(ledger.partition);
            if (reason != null && was == null) {
                pause.add(ledger.partition);
                paused.put(ledger.partition, reason);
                emit(new KafkaRunnerEvent.Paused(ledger.partition, reason));
            } else if (reason != null) {
                paused.put(ledger.partition, reason);
            } else if (was != null) {
                resume.add(ledger.partition);
                paused.remove(ledger.partition);
                emit(new KafkaRunnerEvent.Resumed(ledger.partition));
            }
        }
        if (!pause.isEmpty()) {
            consumer.pause(pause);
        }
        if (!resume.isEmpty()) {
            consumer.resume(resume);
        }
    }

    /**
     * Whether the partitions that may fetch are all caught up while one with records left to fetch is held back for
     * back-pressure — then they are paused too, until it resumes. A consumer has one fetch in flight per broker, and
     * the broker holds a fetch that asks only for caught-up partitions until records come or {@code fetch.max.wait.ms}
     * passes; the held-back partition's next fetch waited behind it after each pause. {@code KafkaAdapterBenchmark}
     * showed it: the last tenth of a 200 000-record topic, when partitions finish unevenly, took three times as long as
     * each tenth before (docs/benchmarks.md). Paused with it, they send no fetch, and all resume in one fetch that comes
     * back at once. For at most {@code fetch.max.wait.ms} in a row, and not again until as long has passed: a partition
     * held back for long (a gap timeout, parked records at the limit) must not keep the others from their new records
     * longer than a held fetch would have. Partitions whose lag the consumer does not know count as not caught up; those
     * with at most {@code max.poll.records} left count as caught up: their next poll returns all of it, and the fetch the
     * consumer sends right after (before it returns the records) would be held — a race that left a fifth of the stalls.
     *
     * <p>The lags are asked for only in the turn a partition's queue becomes full — when the fetch that goes out while
     * it is paused is decided — not in every turn: {@code AsyncKafkaConsumer} (group.protocol=consumer) answers each
     * {@code currentLag} through its background thread, and asked every turn they took a tenth of the poll thread's time
     * (async-profiler, wall clock). While they are paused together the lags cannot change: nothing is fetched for them
     * (a rewind seeks back: that partition's lag is asked for again). The pause lasts while a partition it was decided
     * for stays held back — not while any queue stays full: one full with nothing left to fetch is no reason, and the
     * held-back one, resumed, was paused itself as caught up (review finding) — and while every partition that may
     * fetch is known to be caught up: one that may fetch again meanwhile (a backoff ended, a queue drained, newly
     * assigned) has its lag asked for then, and one with records to fetch ends the pause.
     */
    private boolean idle(Instant now) {
        boolean full = false;
        boolean newlyFull = false;
        for (PartitionLedger ledger : ledgers.values()) {
            if (QUEUE_FULL.equals(pauseReason(ledger, now))) {
                full = true;
                newlyFull |= newlyFull(ledger, now);
            }
        }
        if (!full || settings.fetchMaxWait().isZero()) {
            // at fetch.max.wait.ms=0 no fetch is held: nothing to save (and a pause that ends as it begins only flaps)
            endIdle(); // resumed with the held-back one (or never paused): one fetch asks for all
            return false;
        }
        if (idleSince != null) {
            if (!now.isBefore(idleSince.plus(settings.fetchMaxWait()))) {
                endIdle(); // long enough: they fetch (and the broker may hold it) before they are paused again
                idleAllowedFrom = now.plus(settings.fetchMaxWait());
                return false;
            }
            if (heldBack(now) && othersCaughtUp(now) >= 0) {
                return true;
            }
            endIdle(); // the one it was for resumed (or went), or one with records to fetch may fetch: all do
            return false;
        }
        // the others first: in a backlog the first of them has records to fetch, and one lag is asked for in all
        if (!newlyFull || now.isBefore(idleAllowedFrom) || othersCaughtUp(now) <= 0 || !newlyFullLags(now)) {
            endIdle(); // forgets what othersCaughtUp learnt: not idle, both sets stay empty
            return false;
        }
        idleSince = now;
        return true;
    }

    /** Ends an idle pause (or confirms there is none): while there is none, both sets are empty. */
    private void endIdle() {
        idleSince = null;
        idleFor.clear();
        idleCaughtUp.clear();
    }

    /** Whether a partition paused for its queue in this turn has records left to fetch; those go to {@link #idleFor}. */
    private boolean newlyFullLags(Instant now) {
        for (PartitionLedger ledger : ledgers.values()) {
            if (newlyFull(ledger, now) && lag(ledger.partition) > 0) {
                idleFor.add(ledger.partition);
            }
        }
        return !idleFor.isEmpty();
    }

    /** Whether {@code ledger}'s queue became full in this turn (it was not paused for it before). */
    private boolean newlyFull(PartitionLedger ledger, Instant now) {
        return QUEUE_FULL.equals(pauseReason(ledger, now)) && !QUEUE_FULL.equals(paused.get(ledger.partition));
    }

    /**
     * Whether a partition the idle pause was decided for is still paused for its queue: its lag has not changed since
     * (nothing is fetched for it; a rewind empties its queue).
     */
    private boolean heldBack(Instant now) {
        for (TopicPartition partition : idleFor) {
            PartitionLedger ledger = ledgers.get(partition);
            if (ledger != null && QUEUE_FULL.equals(pauseReason(ledger, now))) {
                return true;
            }
        }
        return false;
    }

    /**
     * How many partitions may fetch, if all of them are caught up; -1 if one is not (see {@link #idle}). A lag is
     * asked for only where it is not known from earlier in the same idle pause ({@link #idleCaughtUp}).
     */
    private int othersCaughtUp(Instant now) {
        int count = 0;
        for (PartitionLedger ledger : ledgers.values()) {
            if (pauseReason(ledger, now) == null) {
                if (!idleCaughtUp.contains(ledger.partition)) {
                    long lag = lag(ledger.partition);
                    if (lag < 0 || lag > settings.maxPollRecords()) {
                        return -1; // it has records to fetch: the fetch is answered at once
                    }
                    idleCaughtUp.add(ledger.partition);
                }
                count++;
            }
        }
        return count;
    }

    /** The consumer's lag on {@code partition}: -1 where it is not known. */
    private long lag(TopicPartition partition) {
        try {
            return consumer.currentLag(partition).orElse(-1);
        } catch (WakeupException | org.apache.kafka.common.errors.InterruptException e) {
            throw e; // the loop's own signals, handled where it polls
        } catch (IllegalStateException | org.apache.kafka.common.KafkaException e) {
            // not assigned (any more), or the end-offset request it sends failed: an optimisation is not worth the
            // runner — its next poll meets a failure that matters
            return -1;
        }
    }

    /**
     * Why {@code ledger}'s partition must not fetch now, or null. Not for the in-flight limits themselves: records the
     * limits hold back wait in the partition's queue, and the partition is paused only when {@code maxInFlightPerPartition}
     * of them are queued, until half of them have been submitted. Pausing at each limit (the first design) paused and
     * resumed a busy partition every few hundred records, and each pause could leave the fetch that went out meanwhile
     * to caught-up partitions only, for the broker to hold (see {@link #idle}). An unpaused partition with records still
     * buffered in the consumer fetches nothing more — the consumer sends its broker no fetch while it holds them — so
     * the queue grows by what the consumer had fetched at most: one poll's records beyond the bound.
     */
    private String pauseReason(PartitionLedger ledger, Instant now) {
        if (now.isBefore(ledger.resumeAt)) {
            return BACKOFF;
        }
        int full = settings.maxInFlightPerPartition();
        int queued = ledger.queuedCount();
        if (queued >= full || queued > full / 2 && QUEUE_FULL.equals(paused.get(ledger.partition))) {
            return QUEUE_FULL;
        }
        return null;
    }

    private void commitIfDue() {
        Instant now = settings.clock().instant();
        if (now.isBefore(lastCommit.plus(settings.commitInterval()))) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = uncommitted(ledgers.values());
        if (offsets.isEmpty()) {
            return;
        }
        lastCommit = now;
        emit(new KafkaRunnerEvent.Committing(plain(offsets), false));
        offsets.forEach((tp, o) -> ledgers.get(tp).commitSent = o.offset());
        consumer.commitAsync(offsets, (done, error) -> {
            if (error == null) {
                confirmed(done);
            } else {
                LOG.warn("committing {} failed; they are committed again with the next commit: {}", plain(offsets),
                        error.toString());
                offsets.forEach((tp, o) -> {
                    PartitionLedger ledger = ledgers.get(tp);
                    if (ledger != null && ledger.commitSent == o.offset()) {
                        ledger.commitSent = ledger.committed;
                    }
                });
                emit(new KafkaRunnerEvent.CommitFailed(plain(offsets), error.toString()));
            }
        });
    }

    private void commitSync(Collection<PartitionLedger> which) {
        Map<TopicPartition, OffsetAndMetadata> offsets = uncommitted(which);
        if (offsets.isEmpty()) {
            return;
        }
        emit(new KafkaRunnerEvent.Committing(plain(offsets), true));
        try {
            commitSyncThroughWakeups(offsets);
            offsets.forEach((tp, o) -> ledgers.get(tp).commitSent = o.offset());
            confirmed(offsets);
        } catch (KafkaException e) {
            LOG.warn("committing {} failed; what was not committed is delivered again: {}", plain(offsets),
                    e.toString());
            emit(new KafkaRunnerEvent.CommitFailed(plain(offsets), e.toString()));
        }
    }

    /**
     * A wake-up meant for a poll — by an outcome that arrived as the poll returned, or by {@code close()} while the
     * loop was between polls — stays pending in the consumer and would fail the next blocking call instead: the
     * commit of a hand-over. Nothing was committed then; commit again (each wake-up is thrown once).
     */
    private void commitSyncThroughWakeups(Map<TopicPartition, OffsetAndMetadata> offsets) {
        for (int attempt = 1; ; attempt++) {
            try {
                consumer.commitSync(offsets, settings.handOverCommitTimeout()); // bounded: see the builder
                return;
            } catch (WakeupException e) {
                if (attempt >= COMMIT_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /**
     * The committable offsets that were not sent yet. No metadata: offsets acknowledged beyond the prefix are not
     * encoded, because the store deduplicates their redelivery (docs/brokers.md).
     */
    private Map<TopicPartition, OffsetAndMetadata> uncommitted(Collection<PartitionLedger> which) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        for (PartitionLedger ledger : which) {
            if (ledger.hasUncommitted()) {
                offsets.put(ledger.partition, new OffsetAndMetadata(ledger.committable()));
            }
        }
        return offsets;
    }

    private void confirmed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, o) -> {
            PartitionLedger ledger = ledgers.get(tp);
            if (ledger != null && o.offset() > ledger.committed) {
                ledger.committed = o.offset();
            }
        });
        emit(new KafkaRunnerEvent.Committed(plain(offsets)));
    }

    // ------------------------------------------------------------------ rebalances and close (poll thread)

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        partitions.forEach(this::ledger);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (killed) {
            return;
        }
        List<PartitionLedger> revoking = partitions.stream().map(ledgers::get).filter(l -> l != null).toList();
        handOver(revoking, settings.revokeTimeout());
        for (PartitionLedger ledger : revoking) {
            ledgers.remove(ledger.partition);
            paused.remove(ledger.partition);
            idleFor.remove(ledger.partition);
            idleCaughtUp.remove(ledger.partition); // assigned again, its lag is asked for again
            emit(new KafkaRunnerEvent.Revoked(ledger.partition, ledger.committed, ledger.inFlight(), false));
        }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            PartitionLedger ledger = ledgers.remove(partition);
            paused.remove(partition);
            idleFor.remove(partition);
            idleCaughtUp.remove(partition);
            if (ledger != null) {
                ledger.stop();
                emit(new KafkaRunnerEvent.Revoked(partition, ledger.committed, ledger.inFlight(), true));
            }
        }
    }

    /** Stop submitting, wait up to {@code timeout} for what is in flight, commit the acknowledged prefix. */
    private void handOver(Collection<PartitionLedger> which, Duration timeout) {
        wakeOnCompletion.set(false); // inside a poll (a revocation): the outcomes awaited here must not wake it up
        Instant deadline = settings.clock().instant().plus(timeout);
        which.forEach(PartitionLedger::stop);
        // announced once the deadline is fixed: a listener (or a test) that reacts to it sees the wait already timed
        which.forEach(l -> emit(new KafkaRunnerEvent.Revoking(l.partition, l.inFlight())));
        // a record parked in a buffer that is not durable waits for an operator, not for the processor: waiting for
        // it made every rebalance (eager: the whole group) and close wait the full timeout (review finding)
        while (which.stream().anyMatch(l -> l.awaitedAtHandOver() > 0)
                && settings.clock().instant().isBefore(deadline)) {
            try {
                Completion completion = completions.poll(WAIT_SLICE_MILLIS, TimeUnit.MILLISECONDS);
                if (completion != null) {
                    apply(completion);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        drainCompletions();
        commitSync(which);
        for (PartitionLedger ledger : which) {
            for (Slot parked : ledger.parkedAwaitingOperator()) {
                // its outcome may come much later (an operator's replay) or never: it no longer holds the runner's
                // maxInFlight (the processor gave its permit back when it accepted the event), so neither does a
                // copy the next rebalances bring back
                parked.released = true;
                outstanding--;
            }
        }
    }

    private void shutDown() {
        List<PartitionLedger> all = List.copyOf(ledgers.values());
        consumer.pause(consumer.assignment());
        handOver(all, settings.closeTimeout());
        for (PartitionLedger ledger : all) {
            ledgers.remove(ledger.partition);
            emit(new KafkaRunnerEvent.Revoked(ledger.partition, ledger.committed, ledger.inFlight(), false));
        }
        // the prefix is committed: what is left is the LeaveGroup (one round trip) and the fetch session's close,
        // which queues behind a fetch the broker may hold open for fetch.max.wait.ms — not worth waiting for
        consumer.close(CloseOptions.timeout(settings.consumerCloseTimeout()));
    }

    private void closeQuietly() {
        try {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
        } catch (RuntimeException e) {
            LOG.debug("closing the consumer after a failure failed too", e);
        }
    }

    // ------------------------------------------------------------------ helpers

    private void publishSnapshot(boolean running) {
        List<KafkaRunnerSnapshot.Partition> partitions = new ArrayList<>();
        for (PartitionLedger l : ledgers.values()) {
            partitions.add(new KafkaRunnerSnapshot.Partition(l.partition, l.fetched(), l.committable(), l.committed,
                    l.inFlight(), l.queuedCount(), paused.containsKey(l.partition), paused.get(l.partition)));
        }
        snapshot = new KafkaRunnerSnapshot(partitions, outstanding, running);
    }

    private void emit(KafkaRunnerEvent event) {
        for (KafkaRunnerListener listener : settings.listeners()) {
            try {
                listener.on(event);
            } catch (RuntimeException e) {
                LOG.warn("a Kafka runner listener failed on {}", event, e);
            }
        }
    }

    private static Map<TopicPartition, Long> plain(Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<TopicPartition, Long> plain = new LinkedHashMap<>();
        offsets.forEach((tp, o) -> plain.put(tp, o.offset()));
        return Map.copyOf(plain);
    }

    private static String describe(Slot slot) {
        return slot.record.topic() + "-" + slot.record.partition() + "@" + slot.offset();
    }

    /** An outcome (or failure) for a slot; {@code rejected} is set when it answers a rejection handler's stage. */
    private record Completion(Slot slot, Outcome outcome, Throwable error, RejectedRecord rejected,
            String rejectionReason) {

        Completion(Slot slot, Outcome outcome, Throwable error, RejectedRecord rejected) {
            this(slot, outcome, error, rejected, null);
        }

        /** Acknowledges a submitted record, nothing else to do: may wait for the next batch of outcomes. */
        boolean plainAcknowledgement() {
            return rejected == null && error == null && outcome != null && outcome != Outcome.REJECTED
                    && outcome.safeToAcknowledge();
        }
    }
}
