package io.seqtrack.streams;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XPendingArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.models.stream.PendingMessage;
import io.lettuce.core.models.stream.PendingMessages;
import io.seqtrack.processor.Event;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.HandlerFailedException;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.Submission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner: one thread reads ({@code XREADGROUP}, blocking on a connection of its own) and takes over idle pending
 * entries; outcomes arrive on the processor's threads and acknowledge on a second connection. The connections are a
 * standalone/Sentinel or a Cluster client's ({@link StreamsConnections}); a command that fails ({@code RedisException}:
 * a failover, a timeout) is tried again on the next turn. The entries in flight — counted per copy, so that an entry
 * delivered again while a copy of it still runs stays in flight until its last copy is done — keep this runner from
 * taking over its own entries while they are still being processed; the entries it got no safe outcome for are retried
 * here, by this runner, and kept fresh meanwhile (see {@link #leavePending}).
 *
 * <p><b>Entries lost to a peer.</b> The refresh is owner-checked ({@link #keepInFlightEntriesFresh}): an entry a peer
 * took over while this runner was stalled past {@code claimIdle} (a GC pause, SIGSTOP), or that is no longer pending,
 * is not taken back — it is the peer's now. This runner stops refreshing it and counts it
 * ({@link StreamsRunnerEvent.TakenOverByPeer}, for an entry a peer owns), but its submission, already in the
 * processor, cannot be recalled and is let finish: a safe outcome is still acknowledged ({@code XACK} is not
 * owner-checked, and a safe outcome means the event is committed or a duplicate — accounted for in the store — so the
 * acknowledgement is right whoever owns the entry; the peer's own submission ends {@code DUPLICATE} and its
 * {@code XACK} finds nothing left to acknowledge). Anything else is let go, not acted on: no retry after a
 * missing safe outcome, no {@code XACK} retried, and no rejection handed to the rejection handler (an entry the
 * processor rejected or whose handler failed is rejected by its owner, which meets the same verdict — so it is
 * dead-lettered once, not by both). The store's fencing keeps the two submissions effectively-once either way.
 */
final class StreamsLoop implements StreamsConsumerRunner {

    private static final Logger LOG = LoggerFactory.getLogger(StreamsLoop.class);
    private static final int REFRESH_CHUNK = 500;

    private final List<RedisURI> redisUris;
    private final boolean cluster;
    private final Duration commandTimeout;
    private final String stream;
    private final String group;
    private final Consumer<String> me;
    private final EventProcessor processor;
    private final StreamRecordMapper mapper;
    private final StreamRejectionHandler rejections;
    private final List<StreamsRunnerListener> listeners;
    private final int maxInFlight;
    private final int batch;
    private final int maxDeliveries;
    private final Duration pollTimeout;
    private final Duration claimIdle;
    private final Duration claimInterval;
    private final Duration closeTimeout;
    private final Duration retryDelay;
    private final Clock clock;

    /**
     * Submissions in the processor (and rejections and {@code XACK}s under way), counted per entry id: an entry
     * delivered to this runner again while a copy of it still runs (after a failover that lost the group's state) is
     * two, and stays in flight — refreshed, never a takeover candidate — until the last copy is done.
     */
    private final InFlight inFlight = new InFlight();
    private final java.util.concurrent.atomic.AtomicInteger injectedAckFailures =
            new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger injectedAckLosses =
            new java.util.concurrent.atomic.AtomicInteger();
    /** Entries this runner got no safe outcome for, by id: submitted again here once due (see {@link #leavePending}). */
    private final Map<String, Retry> retrying = new ConcurrentHashMap<>();
    /**
     * Entries still in {@link #inFlight} or {@link #retrying} that this runner no longer owns in the group: a peer took
     * them over, or they are no longer pending. Not refreshed, not retried; see the class comment.
     */
    private final Set<String> lost = ConcurrentHashMap.newKeySet();
    /**
     * Entries whose {@code XACK} landed while another copy of them was still in flight here: what those copies leave to
     * retry has nothing left to do (see {@link #acknowledge}). Gone with the entry's last copy, or when it is delivered
     * here again (pending again: a failover lost the {@code XACK}).
     */
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final Object settled = new Object();
    private StreamsConnections redis;
    private Thread thread;
    private Instant nextTakeover = Instant.MIN;
    /** The last pending id the takeover scan looked at; the next round goes on after it ({@code null}: from the start). */
    private String takeoverCursor;
    private volatile long groupPending;
    private volatile long ownedPending;
    private volatile long takeoverRounds;
    /** Poll-loop turns begun (test hook: each begins by running the retries that are due). */
    private volatile long turns;
    private volatile Throwable failure;
    private volatile boolean closing;
    private volatile boolean killed;
    private volatile java.util.function.Consumer<List<String>> betweenScanAndClaim = ids -> { };
    private volatile java.util.function.Consumer<String> beforeRetryTaken = id -> { };

    StreamsLoop(StreamsConsumerRunner.Builder b) {
        this.redisUris = List.copyOf(b.redisUris);
        this.cluster = b.clustered();
        this.commandTimeout = b.commandTimeout;
        this.stream = b.stream;
        this.group = b.group;
        this.me = Consumer.from(b.group, b.consumer);
        this.processor = b.processor;
        this.mapper = b.mapper;
        this.rejections = b.rejections;
        this.listeners = b.listeners();
        this.maxInFlight = b.maxInFlight;
        this.batch = b.batch;
        this.maxDeliveries = b.maxDeliveries;
        this.pollTimeout = b.pollTimeout;
        this.claimIdle = b.claimIdle;
        this.claimInterval = b.claimInterval;
        this.closeTimeout = b.closeTimeout;
        this.retryDelay = b.retryDelay;
        this.clock = b.clock;
    }

    @Override
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("the runner was started already");
        }
        StreamsConnections connections = StreamsConnections.open(redisUris, cluster, commandTimeout, pollTimeout);
        try {
            createGroup(connections);
        } catch (RuntimeException e) {
            connections.close();
            throw e;
        }
        redis = connections;
        thread = new Thread(this::run, "seqtrack-streams-" + me.getName());
        thread.start();
    }

    @Override
    public int inFlight() {
        return inFlight.copies() + retrying.size();
    }

    @Override
    public long groupPending() {
        return groupPending;
    }

    @Override
    public long ownedPending() {
        return ownedPending;
    }

    /** Test hook: the next {@code count} XACKs fail as if the acknowledging connection had dropped. */
    void failNextAcknowledgements(int count) {
        injectedAckFailures.set(count);
    }

    /**
     * Test hook: the next {@code count} XACKs succeed without reaching Redis, as XACKs a master confirmed and lost in a
     * failover before its replica had them: their entries stay pending.
     */
    void loseNextAcknowledgements(int count) {
        injectedAckLosses.set(count);
    }

    /**
     * Test hook: runs on the poll thread in every takeover round that found candidates, with their ids, between the
     * {@code XPENDING} scan and the claim — where a peer racing for the same entries claims or acknowledges them.
     */
    void betweenScanAndClaim(java.util.function.Consumer<List<String>> hook) {
        betweenScanAndClaim = hook;
    }

    /**
     * Test hook: runs on the poll thread when a due retry has been found and before it is taken from the retry set —
     * where another copy's outcome may put a retry of its own in its place.
     */
    void beforeRetryTaken(java.util.function.Consumer<String> hook) {
        beforeRetryTaken = hook;
    }

    /** Test hook: poll-loop turns begun so far; a turn begins by running the retries that are due. */
    long turns() {
        return turns;
    }

    /** Test hook: takeover rounds completed so far. */
    long takeoverRounds() {
        return takeoverRounds;
    }

    @Override
    public void close() {
        closing = true;
        join();
        Instant deadline = clock.instant().plus(closeTimeout);
        synchronized (settled) {
            // after a failure nobody is left to acknowledge what completes: nothing to wait for
            while (failure == null && !inFlight.isEmpty() && clock.instant().isBefore(deadline)) {
                try {
                    settled.wait(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        disconnect();
    }

    /** Test hook: stop as a killed process would — nothing more is read, acknowledged or waited for. */
    void kill() {
        killed = true;
        closing = true;
        join();
        disconnect();
    }

    private void join() {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(pollTimeout.plus(closeTimeout).plusSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void disconnect() {
        if (redis != null) {
            redis.close();
        }
    }

    // ------------------------------------------------------------------ the poll thread

    private void run() {
        try {
            while (!closing) {
                try {
                    turn();
                } catch (RedisException e) {
                    redis.failed(e);
                    if (!closing && !recreateGroupIfGone(e)) {
                        LOG.warn("reading stream {} failed; trying again: {}", stream, e.toString());
                        waitForOutcomes(pollTimeout);
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            // not Redis's: a mapper or handler that threw an Error, a bug. Retrying would meet it again; say so and
            // stop, as the Kafka runner does (review finding: the thread ended without a word and nothing was read)
            failure = e;
            LOG.error("the streams runner {} stops: {}", me.getName(), e.toString(), e);
        }
    }

    /**
     * {@code NOGROUP}: the group (or the whole stream) is gone — deleted, or Redis restarted without persistence. The
     * runner creates it again as {@link #start()} does, from the start of the stream: what was handled before is
     * answered {@code DUPLICATE} by the store. Without this it logged the error every {@code pollTimeout} for good
     * (review finding). True if it did.
     */
    private boolean recreateGroupIfGone(RedisException e) {
        if (e.getMessage() == null || !e.getMessage().startsWith("NOGROUP")) {
            return false;
        }
        try {
            if (createGroup(redis)) {
                LOG.warn("the group {} of stream {} was gone; created it again from the start of the stream", group,
                        stream);
                emit(new StreamsRunnerEvent.GroupRecreated(group));
            }
        } catch (RedisException again) {
            LOG.warn("creating the group {} of stream {} again failed: {}", group, stream, again.toString());
            waitForOutcomes(pollTimeout);
        }
        return true;
    }

    /**
     * Creates the group from the start of the stream ({@code MKSTREAM}) — at start, and when it is gone. False if it
     * exists (BUSYGROUP: its position stands; a peer may have created it first).
     */
    private boolean createGroup(StreamsConnections connections) {
        try {
            connections.reading().xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group,
                    XGroupCreateArgs.Builder.mkstream());
            return true;
        } catch (RedisBusyException e) {
            return false;
        }
    }

    @Override
    public java.util.Optional<Throwable> failure() {
        return java.util.Optional.ofNullable(failure);
    }

    private void turn() {
        turns++; // the poll thread's alone
        retryDue();
        int room = maxInFlight - inFlight();
        if (room > 0) {
            List<StreamMessage<String, byte[]>> entries = redis.reading().xreadgroup(me,
                    XReadArgs.Builder.block(pollTimeout).count(Math.min(batch, room)),
                    XReadArgs.StreamOffset.lastConsumed(stream));
            for (StreamMessage<String, byte[]> entry : entries) {
                if (killed) {
                    return;
                }
                // delivered to this consumer: its own again, even if an earlier delivery was lost to a peer (after a
                // failover that lost the group's state, the new master delivers an entry again)
                lost.remove(entry.getId());
                acknowledged.remove(entry.getId());
                submit(entry);
            }
        } else {
            waitForOutcomes(pollTimeout);
        }
        if (!clock.instant().isBefore(nextTakeover)) {
            nextTakeover = clock.instant().plus(claimInterval);
            try {
                keepInFlightEntriesFresh();
                takeOver();
                countPending();
            } catch (RedisException e) {
                takeoverCursor = null; // the next round scans from the start
                throw e;
            }
            takeoverRounds++;
        }
    }

    /**
     * Resets the idle time of the entries this runner still works on ({@code XCLAIM … 0 … JUSTID}: no delivery counted),
     * so that no consumer of the group — this one included — takes over an entry whose outcome is still coming: an
     * event waiting in the in-memory buffer for its gap, a poison event going through its retries. Only entries of a
     * runner that stopped (or that got no safe outcome) become idle.
     *
     * <p>Owner-checked ({@link OwnedRefresh}, one script per chunk of {@value #REFRESH_CHUNK}): only an entry still
     * pending and owned by this consumer is refreshed. One that a peer took over while this runner was stalled past
     * {@code claimIdle} — a plain {@code XCLAIM} with min-idle 0 took it back, and both consumers then owned and
     * submitted it in turn (review finding) — or that is no longer pending is let go ({@link #letGo}).
     */
    private void keepInFlightEntriesFresh() {
        // an entry lost earlier whose submission has ended here is forgotten
        lost.removeIf(id -> !inFlight.contains(id) && !retrying.containsKey(id));
        Set<String> own = inFlight.ids();
        own.addAll(retrying.keySet());
        own.removeAll(lost);
        String[] ids = own.toArray(String[]::new);
        Map<String, String> takenOver = new java.util.LinkedHashMap<>();
        int notPending = 0;
        for (int from = 0; from < ids.length; from += REFRESH_CHUNK) {
            String[] chunk = Arrays.copyOfRange(ids, from, Math.min(ids.length, from + REFRESH_CHUNK));
            OwnedRefresh.Result result = OwnedRefresh.run(redis.scripting(), stream, group, me.getName(), chunk);
            for (Map.Entry<String, String> taken : result.takenOver().entrySet()) {
                if (letGo(taken.getKey(), taken.getValue())) {
                    takenOver.put(taken.getKey(), taken.getValue());
                }
            }
            for (String id : result.notPending()) {
                notPending += letGo(id, null) ? 1 : 0;
            }
        }
        if (!takenOver.isEmpty()) { // one line a round, however many: a long pause may lose many entries at once
            Map.Entry<String, String> first = takenOver.entrySet().iterator().next();
            LOG.warn("{} entries of stream {} were taken over by peers while this consumer ({}) held them — it was "
                    + "stalled past claimIdle {}? — and are left to them (first: {} by {}); their submissions here "
                    + "are let finish", takenOver.size(), stream, me.getName(), claimIdle, first.getKey(),
                    first.getValue());
        }
        if (notPending > 0) {
            LOG.info("{} entries of stream {} this consumer held are no longer pending; no longer refreshed",
                    notPending, stream);
        }
    }

    /**
     * On the poll thread: this runner no longer owns entry {@code id} — {@code owner} took it over, or ({@code null})
     * it is no longer pending. It is no longer refreshed nor retried here; a submission of it still in the processor
     * ends as the class comment says. An entry that settled meanwhile (its {@code XACK} landed between the snapshot
     * and the script) is neither kept nor counted: {@code false}.
     */
    private boolean letGo(String id, String owner) {
        if (!inFlight.contains(id) && !retrying.containsKey(id)) {
            return false;
        }
        lost.add(id); // before the retry goes: an outcome arriving now finds it lost and does not put a retry back
        if (retrying.remove(id) != null) {
            synchronized (settled) { // room below maxInFlight
                settled.notifyAll();
            }
        }
        if (owner != null) {
            emit(new StreamsRunnerEvent.TakenOverByPeer(id, owner));
        }
        return true;
    }

    /** The group's pending entries and this consumer's ({@code XPENDING} summary), for the gauges. */
    private void countPending() {
        PendingMessages summary = redis.reading().xpending(stream, group);
        groupPending = summary.getCount();
        Long mine = summary.getConsumerMessageCount() == null ? null
                : summary.getConsumerMessageCount().get(me.getName());
        ownedPending = mine == null ? 0 : mine;
    }

    /**
     * Entries pending longer than {@code claimIdle} — of consumers that died, or this runner's own that got no safe
     * outcome — are claimed and submitted again, or rejected once they reached {@code maxDeliveries}. The scan
     * ({@code XPENDING … IDLE}) and the claim are two calls; the claim ({@link IdleClaim}, one script) re-checks each
     * id atomically: one a peer took over, refreshed or acknowledged in between is left out — not this runner's this
     * round, and no gap — and one the stream no longer holds is reported ({@link StreamsRunnerEvent.TrimmedWhilePending}).
     */
    private void takeOver() {
        int page = Math.min(batch, maxInFlight - inFlight()); // a takeover respects maxInFlight as reading does
        if (page <= 0) {
            return;
        }
        Range<String> range = takeoverCursor == null ? Range.create("-", "+")
                : Range.from(Range.Boundary.excluding(takeoverCursor), Range.Boundary.unbounded());
        List<PendingMessage> pending = redis.reading().xpending(stream, XPendingArgs.Builder
                .xpending(group, range, Limit.from(page)).idle(claimIdle));
        // a full page: the next round goes on after it (entries this runner still works on do not hold the scan);
        // a short one: the scan reached the end, the next round starts again from the beginning
        takeoverCursor = pending.size() < page ? null : pending.get(pending.size() - 1).getId();
        List<String> candidates = new ArrayList<>();
        for (PendingMessage p : pending) {
            if (!inFlight.contains(p.getId()) && !retrying.containsKey(p.getId())) {
                candidates.add(p.getId());
            }
        }
        if (candidates.isEmpty()) {
            return;
        }
        betweenScanAndClaim.accept(List.copyOf(candidates));
        IdleClaim.Result result = IdleClaim.run(redis.scripting(), stream, group, me.getName(), claimIdle.toMillis(),
                candidates);
        for (IdleClaim.Trimmed trimmed : result.trimmed()) {
            emit(new StreamsRunnerEvent.TrimmedWhilePending(trimmed.id(), trimmed.owner(), trimmed.deliveries()));
        }
        for (IdleClaim.Claimed claimed : result.claimed()) {
            StreamMessage<String, byte[]> entry = claimed.entry();
            long delivery = claimed.deliveries() + 1;
            if (delivery > maxDeliveries) {
                inFlight.add(entry.getId());
                reject(entry, new StreamRejection(entry, "delivered " + claimed.deliveries() + " times without a "
                        + "safe outcome (maxDeliveries " + maxDeliveries + ")", StreamRejection.Kind.DELIVERY_LIMIT));
                continue;
            }
            emit(new StreamsRunnerEvent.Claimed(entry.getId(), claimed.from(), delivery));
            submit(entry);
        }
    }

    private void submit(StreamMessage<String, byte[]> entry) {
        inFlight.add(entry.getId());
        process(entry);
    }

    /** Maps and submits an entry already counted in flight (by {@link #submit}, or by {@link #retryDue}). */
    private void process(StreamMessage<String, byte[]> entry) {
        Event event;
        try {
            EntryText.requireTextNames(entry); // what a mapper gets: names as text, values as stored
            event = mapper.mapBytes(entry);
        } catch (RuntimeException e) {
            reject(entry, new StreamRejection(entry, e.getMessage() == null ? e.toString() : e.getMessage(),
                    StreamRejection.Kind.UNMAPPABLE));
            return;
        }
        CompletionStage<Outcome> acknowledgeable;
        Submission submission = null;
        try {
            submission = processor.submitTracked(event);
            acknowledgeable = submission.acknowledgeable();
        } catch (RuntimeException e) {
            acknowledgeable = CompletableFuture.failedFuture(e);
        }
        Submission submitted = submission;
        acknowledgeable.whenComplete((outcome, error) -> settle(entry, submitted, outcome, error));
    }

    /** On a processor thread: what the outcome means for the entry. */
    private void settle(StreamMessage<String, byte[]> entry, Submission submission, Outcome outcome,
            Throwable failure) {
        Throwable error = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
                : failure;
        if (killed) {
            return;
        }
        if (lost.contains(entry.getId()) && (error != null || outcome == Outcome.REJECTED
                || !outcome.safeToAcknowledge())) {
            // no longer this runner's: the owner meets the same verdict and rejects or retries it itself
            letGoOf(entry, error != null ? error.toString() : "outcome " + outcome);
            return;
        }
        if (error instanceof HandlerFailedException) {
            reject(entry, new StreamRejection(entry, error.getMessage(), StreamRejection.Kind.HANDLER_FAILED));
        } else if (error != null) {
            leavePending(entry, error.toString());
        } else if (outcome == Outcome.REJECTED) {
            String reason = submission == null ? null : submission.rejectionReason().orElse(null);
            reject(entry, new StreamRejection(entry, "the processor rejected the event ("
                    + (reason == null ? "invalid" : reason) + ")", StreamRejection.Kind.INVALID_EVENT));
        } else if (outcome.safeToAcknowledge()) {
            acknowledge(entry, () -> emit(new StreamsRunnerEvent.Acknowledged(entry.getId(), outcome)));
        } else {
            leavePending(entry, "outcome " + outcome);
        }
    }

    private void reject(StreamMessage<String, byte[]> entry, StreamRejection rejection) {
        CompletionStage<Void> stage;
        try {
            stage = rejections.reject(rejection);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        if (stage == null) { // a failed rejection (retried), not an NPE that ends the poll thread without a word
            stage = CompletableFuture.failedFuture(new IllegalStateException("the rejection handler returned null "
                    + "instead of a stage for entry " + entry.getId()));
        }
        stage.whenComplete((ignored, error) -> {
            if (error == null) {
                acknowledge(entry, () -> emit(new StreamsRunnerEvent.Rejected(rejection)));
            } else { // what is retried is the rejection: the entry must not go back to the processor
                leavePending(entry, "the rejection handler failed: " + error, Again.REJECT,
                        () -> reject(entry, rejection));
            }
        });
    }

    private void acknowledge(StreamMessage<String, byte[]> entry, Runnable then) {
        if (killed) {
            return;
        }
        xack(entry.getId()).whenComplete((count, error) -> {
            if (error != null) {
                redis.failed(error);
                LOG.warn("XACK of {} failed; it stays pending and the XACK is retried: {}", entry.getId(),
                        error.toString());
                // what is retried is the XACK: the outcome is known (committed, or rejected to the dead-letter
                // target), so the entry must neither go back to the processor nor idle into takeovers that count
                // deliveries until DELIVERY_LIMIT sends a committed event to the dead-letter target (review finding)
                leavePending(entry, "XACK failed: " + error, Again.ACKNOWLEDGE, () -> acknowledge(entry, then));
                return;
            }
            then.run();
            // acknowledged: a retry another copy of the entry left in its slot (to process it again, to reject it, to
            // acknowledge it) has nothing left to do — run once due, it sent the entry to the processor again or a
            // committed event to the dead-letter target, unless a takeover round's refresh found the entry gone first.
            // A copy still in flight may leave one later: marked first, so that either its leavePending sees the mark
            // or the removal here sees its retry
            if (inFlight.copiesOf(entry.getId()) > 1) {
                acknowledged.add(entry.getId());
            }
            retrying.remove(entry.getId());
            done(entry); // wakes a poll thread waiting for room below maxInFlight, which the removal may have made too
        });
    }

    /** The {@code XACK} of {@code id} — or the fault a test injected (plain reads unless one asked for faults). */
    private CompletionStage<Long> xack(String id) {
        if (injectedAckFailures.get() > 0 && injectedAckFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return CompletableFuture.failedFuture(new RedisException("XACK failed (injected by a test)"));
        }
        if (injectedAckLosses.get() > 0 && injectedAckLosses.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return CompletableFuture.completedFuture(1L); // confirmed, and lost in a failover
        }
        return redis.acking().xack(stream, group, id);
    }

    /**
     * No safe outcome ({@code BUFFER_FULL}, the store failing closed, the rejection handler failing): the entry stays
     * pending in the group, and this runner submits it again after {@code retryDelay} — it does not let it idle into a
     * takeover. A takeover counts a delivery, so a store outage longer than {@code maxDeliveries × claimIdle} would
     * otherwise turn every entry it touched into a {@code DELIVERY_LIMIT} rejection, acknowledged and lost; retried
     * here, an entry's delivery count grows only when a consumer stopped holding it. Until then it is kept fresh and
     * counts against {@code maxInFlight}, so an outage stops the reading instead of filling the pending list.
     */
    private void leavePending(StreamMessage<String, byte[]> entry, String reason) {
        leavePending(entry, reason, Again.PROCESS, () -> process(entry));
    }

    /**
     * {@link #leavePending(StreamMessage, String)} with what to do again once the retry is due. An entry has one retry
     * slot however many copies of it are here (a redelivery after a failover): when two copies both leave it pending,
     * the retry that knows more wins — see {@link Again}.
     */
    private void leavePending(StreamMessage<String, byte[]> entry, String reason, Again kind, Runnable again) {
        if (lost.contains(entry.getId())) { // the owner retries it, not this runner
            letGoOf(entry, reason);
            return;
        }
        emit(new StreamsRunnerEvent.LeftPending(entry.getId(), reason));
        if (!closing) { // into the retry set before it leaves the in-flight set: a takeover round never sees it idle
            retrying.merge(entry.getId(), new Retry(entry.getId(), kind, again, clock.instant().plus(retryDelay)),
                    (waiting, next) -> next.kind().compareTo(waiting.kind()) >= 0 ? next : waiting);
            if (acknowledged.contains(entry.getId())) { // another copy's XACK landed: nothing left to retry
                retrying.remove(entry.getId());
            }
        }
        done(entry);
    }

    /** On the poll thread: submits the entries whose retry is due. */
    private void retryDue() {
        Instant now = clock.instant();
        for (Retry retry : retrying.values()) {
            if (closing) {
                return;
            }
            if (lost.contains(retry.entryId())) { // put back by an outcome that crossed its letGo: not ours
                retrying.remove(retry.entryId(), retry);
                continue;
            }
            if (!now.isBefore(retry.due())) {
                beforeRetryTaken.accept(retry.entryId());
                // out of the retry set, into the in-flight set, then run (which does not count it again): counted
                // once (inFlight() adds the two), and never idle to a takeover round, which runs on this thread too;
                // an outcome that arrives at once and leaves the entry pending again puts a new retry in. Only the
                // retry taken out runs: one that another copy's outcome put in its place meanwhile (a retry that knows
                // more, see Again) runs instead, when it is due — both ran, and the entry was processed again
                if (retrying.remove(retry.entryId(), retry)) {
                    inFlight.add(retry.entryId());
                    retry.again().run();
                }
            }
        }
    }

    private record Retry(String entryId, Again kind, Runnable again, Instant due) {
    }

    /**
     * What a retry does, in increasing precedence. A copy whose outcome is known — committed, or rejected to the
     * dead-letter target — retries only its {@code XACK}; one whose rejection failed retries the rejection; one without
     * a safe outcome goes back to the processor. When two copies of an entry leave it pending, the later retry took
     * the slot: a processing retry could replace an {@code XACK} retry, and the entry went through the processor a
     * third time — a {@code DUPLICATE} for a tracked domain, but a second handler run for a domain the store does not
     * track (review leftover, now tested).
     */
    private enum Again { PROCESS, REJECT, ACKNOWLEDGE }

    /** A submission of an entry this runner no longer owns ended without an outcome to acknowledge: forgotten here. */
    private void letGoOf(StreamMessage<String, byte[]> entry, String why) {
        LOG.debug("entry {} is no longer this consumer's; {} is left to its owner", entry.getId(), why);
        done(entry);
    }

    /** One copy of {@code entry} is done here: acknowledged, left to a retry or to its owner. */
    private void done(StreamMessage<String, byte[]> entry) {
        inFlight.remove(entry.getId());
        if (!acknowledged.isEmpty() && !inFlight.contains(entry.getId())) {
            acknowledged.remove(entry.getId());
        }
        synchronized (settled) {
            settled.notifyAll();
        }
    }

    private void waitForOutcomes(Duration atMost) {
        synchronized (settled) {
            try {
                settled.wait(Math.max(1, atMost.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closing = true;
            }
        }
    }

    private void emit(StreamsRunnerEvent event) {
        for (StreamsRunnerListener listener : listeners) {
            try {
                listener.on(event);
            } catch (RuntimeException e) {
                LOG.warn("a streams runner listener failed on {}", event, e);
            }
        }
    }

    /**
     * A multiset of entry ids: how many copies of each are in flight here, and how many in all. {@code add} and
     * {@code remove} come from the poll thread and the processor's threads.
     */
    private static final class InFlight {
        private final ConcurrentHashMap<String, Integer> copies = new ConcurrentHashMap<>();
        private final java.util.concurrent.atomic.AtomicInteger total = new java.util.concurrent.atomic.AtomicInteger();

        void add(String id) {
            copies.merge(id, 1, Integer::sum);
            total.incrementAndGet();
        }

        /** One copy of {@code id} done; the id leaves with its last copy. Nothing if none was in flight. */
        void remove(String id) {
            boolean[] removed = {false};
            copies.computeIfPresent(id, (key, n) -> {
                removed[0] = true;
                return n == 1 ? null : n - 1;
            });
            if (removed[0]) {
                total.decrementAndGet();
            }
        }

        /** How many copies of {@code id} are in flight. */
        int copiesOf(String id) {
            return copies.getOrDefault(id, 0);
        }

        /** Whether a copy of {@code id} is in flight. */
        boolean contains(String id) {
            return copies.containsKey(id);
        }

        boolean isEmpty() {
            return copies.isEmpty();
        }

        /** Copies in flight, all ids together: what counts against {@code maxInFlight}. */
        int copies() {
            return total.get();
        }

        /** The ids with a copy in flight, a snapshot. */
        Set<String> ids() {
            return new java.util.HashSet<>(copies.keySet());
        }
    }
}
