package io.seqtrack.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.seqtrack.cli.LineLedger.EventRef;
import io.seqtrack.cli.LineLedger.Fate;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.InvalidEventException;
import io.seqtrack.core.domain.UnknownDomainException;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.processor.Event;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.HandlerContext;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorEvent;
import io.seqtrack.processor.ProcessorSnapshot;
import io.seqtrack.processor.Submission;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * One run of {@code tracker replay}: reads the events file line by line, rejects what is not a valid event, submits
 * the rest to an {@link EventProcessor}, and records what became of each event in the outputs and in a
 * {@link ReplaySummary}.
 *
 * <p>On the in-memory store the processor runs on a {@link ReplayScheduler}: each line is processed before the next
 * is read, and once the file is consumed virtual time jumps past every gap timeout, so the run ends promptly and the
 * same file always gives the same result. On a durable (Redis) store it runs on real threads, because other replay
 * processes may be working on the same store; the run then waits, bounded, until every submission has its outcome
 * and no gap of this process is open.
 *
 * <p>The processed line is the handler's effect, so it is written by the handler, whole and handed to the operating
 * system, before the handler returns and the processor commits (see {@link JsonLines}): an event the store has
 * committed is in the processed file of the worker that committed it, even if that worker is killed right after
 * the commit. The reverse does not hold: a worker killed (or fenced, or failing in the store) between its handler and
 * its commit leaves a line for an event that another run handles again. Each line carries the fencing token of its
 * run, so a reader tells a re-run (a higher token) from a duplicate.
 *
 * <p>Each event is submitted with its input object as the submission's attachment: the processor hands it back to the
 * handler (also after the event waited in the buffer) and in its {@code Parked} event, and a rejection's reason comes
 * with the submission, so the run keeps no map from events to their lines.
 *
 * <p>{@link #interrupt()} (Ctrl-C) stops the reading; what was submitted finishes or is released within a bounded
 * time, and the summary says the run was interrupted.
 */
final class ReplayRun implements AutoCloseable {

    /** Timers that may fire on virtual time before a replay counts as stuck (a few per gap are expected). */
    private static final long MAX_VIRTUAL_TIMER_FIRINGS = 10_000_000;
    /** Extra time, beyond the longest gap timeout, a real-time replay waits for its gaps to settle. */
    private static final Duration SETTLE_GRACE = Duration.ofSeconds(30);
    private static final Duration RECHECK_INTERVAL = Duration.ofSeconds(1);
    /** How long closing waits for lane work queued before a failure (each store call is bounded by its timeout). */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final DomainRegistry registry;
    private final String workerId;
    private final JsonLines processedOut;
    private final JsonLines parkedOut;
    private final JsonLines rejectedOut;
    private final PrintWriter err;
    private final ReplayScheduler virtualTime;
    private final ReplayThreads threads;
    private final EventProcessor processor;
    private final Duration settleTimeout;

    private final AtomicReference<String> failure = new AtomicReference<>();
    private final AtomicBoolean interrupted = new AtomicBoolean();
    private final Duration handlerDelay;
    private final AtomicLong unfinished = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();
    private final Object progress = new Object();
    /** Each received line at its final fate: the summary's {@code lines}, which add up to {@code received}. */
    private final LineLedger lines = new LineLedger();
    private final EventBuffer buffer;

    private final LongAdder received = new LongAdder();
    private final LongAdder processed = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    private final LongAdder reordered = new LongAdder();
    private final LongAdder buffered = new LongAdder();
    private final LongAdder parked = new LongAdder();
    private final LongAdder skippedGaps = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder bufferFull = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder fenced = new LongAdder();

    /**
     * @param virtualTime run on a {@link ReplayScheduler} (only sound when this process is the store's only user)
     */
    ReplayRun(DomainRegistry registry, SequenceStore store, EventBuffer buffer, String workerId, boolean virtualTime,
            Duration handlerDelay, JsonLines processedOut, JsonLines parkedOut, JsonLines rejectedOut,
            PrintWriter err) {
        this.registry = registry;
        this.buffer = buffer;
        this.handlerDelay = handlerDelay;
        this.workerId = workerId;
        this.processedOut = processedOut;
        this.parkedOut = parkedOut;
        this.rejectedOut = rejectedOut;
        this.err = err;
        Duration longestGapTimeout = registry.registrations().stream()
                .filter(r -> r.mode().usesStore())
                .map(DomainRegistration::gapTimeout)
                .max(Duration::compareTo)
                .orElse(RECHECK_INTERVAL);
        this.settleTimeout = longestGapTimeout.plus(RECHECK_INTERVAL.multipliedBy(2)).plus(SETTLE_GRACE);
        EventProcessor.Builder builder = EventProcessor.builder()
                .registry(registry).store(store).buffer(buffer).workerId(workerId)
                .handler(this::handle)
                .listener(this::on);
        if (virtualTime) {
            this.virtualTime = new ReplayScheduler(Instant.now(), MAX_VIRTUAL_TIMER_FIRINGS);
            this.threads = null;
            // Alone on the store, this processor drains its own gaps on every commit: the recheck timer, meant for
            // commits by other workers, would only add firings, so it fires at most once per gap timeout.
            builder.scheduler(this.virtualTime).bufferRecheckInterval(longestGapTimeout)
                    .maxInFlight(Integer.MAX_VALUE);
        } else {
            this.virtualTime = null;
            this.threads = new ReplayThreads(Math.max(1, Runtime.getRuntime().availableProcessors()));
            builder.scheduler(threads).bufferRecheckInterval(RECHECK_INTERVAL);
        }
        this.processor = builder.build();
    }

    /** Replays {@code file}, then waits for the processor to settle. A failure is recorded in the summary. */
    void replay(Path file) throws IOException {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(new CountingInput(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
            String text;
            long lineNumber = 0;
            while (failure.get() == null && !interrupted.get() && (text = reader.readLine()) != null) {
                lineNumber++;
                if (lineNumber == 1 && text.startsWith("\uFEFF")) {
                    text = text.substring(1); // a byte order mark is not part of the first event
                }
                if (text.isBlank()) {
                    continue;
                }
                received.increment();
                submitLine(lineNumber, text);
                if (virtualTime != null) {
                    virtualTime.runReady();
                }
            }
        }
        if (failure.get() == null && !interrupted.get()) {
            settle();
        }
    }

    /** The progress bar's line: how far into a file of {@code fileSize} bytes, lines read, events handled, gaps. */
    String progressLine(long fileSize) {
        return ProgressBar.replay(bytesRead.get(), fileSize, received.sum(), processed.sum(),
                processor.snapshot().openGaps());
    }

    /** Counts the bytes the reader took from the file (it reads ahead a little: enough for a progress bar). */
    private final class CountingInput extends FilterInputStream {
        CountingInput(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                bytesRead.incrementAndGet();
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                bytesRead.addAndGet(n);
            }
            return n;
        }
    }

    /**
     * Stops the run early (Ctrl-C, SIGTERM): no further line is read and the wait for gaps ends. Safe from any thread;
     * the thread running {@link #replay} then returns, and {@link #close()} lets the submitted work finish.
     */
    void interrupt() {
        interrupted.set(true);
        signalProgress();
    }

    boolean interrupted() {
        return interrupted.get();
    }

    /** What the run did; read it after {@link #close()}, when no lane adds to it any more. */
    ReplaySummary summary(String eventsFile, String storeName) {
        return new ReplaySummary(eventsFile, storeName, workerId, interrupted.get(), received.sum(), processed.sum(),
                duplicates.sum(), reordered.sum(), buffered.sum(), parked.sum(), skippedGaps.sum(), dropped.sum(),
                bufferFull.sum(), rejected.sum(), lines.counts(unfinished.get()), Optional.ofNullable(failure.get()));
    }

    /** Stops the processor (after the work already queued on its lanes), so every output line is written. */
    @Override
    public void close() {
        if (threads != null) {
            try {
                threads.awaitIdle(CLOSE_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processor.close();
        if (virtualTime != null) {
            virtualTime.close();
        } else {
            threads.close(); // lets the work already queued on the lanes finish
        }
        lines.close(this::whereNow);
    }

    /**
     * Where an event a line of this run still waits for is at the end: in the buffer, parked, or gone from a shared
     * buffer (another worker took it). When the buffer cannot be read, it is reported as still buffered.
     */
    private Fate whereNow(EventRef ref) {
        AggregateKey key = ref.key();
        try {
            if (buffer.pending(key).stream().anyMatch(e -> e.sequence() == ref.sequence())) {
                return Fate.BUFFERED;
            }
            if (buffer.parked(key).stream().anyMatch(p -> p.event().sequence() == ref.sequence())) {
                return Fate.PARKED;
            }
            return Fate.ELSEWHERE;
        } catch (RuntimeException e) {
            return Fate.BUFFERED;
        }
    }

    // ------------------------------------------------------------------ one line

    private void submitLine(long lineNumber, String text) {
        EventJson.Parsed parsed;
        try {
            parsed = EventJson.parse(text);
            validate(parsed.event());
        } catch (EventJson.InvalidLineException | InvalidEventException | UnknownDomainException e) {
            reject(lineNumber, text, e.getMessage());
            return;
        }
        Event event = parsed.event();
        ObjectNode json = parsed.json();
        AggregateKey key = AggregateKey.of(event.domain(), event.aggregateId());
        DomainRegistration registration = registry.lookup(key.domain());
        Optional<EventRef> ref = registration.mode().usesStore()
                ? Optional.of(EventRef.of(key, sequenceOf(event, registration).getAsLong())) : Optional.empty();
        unfinished.incrementAndGet();
        Submission submission = processor.submitTracked(event, json); // the handler and Parked events get json back
        submission.accepted().whenComplete((outcome, error) -> {
            try {
                if (error != null) {
                    lines.settled(Fate.UNFINISHED);
                    fail(lineNumber, key, error);
                } else {
                    counted(outcome, lineNumber, text, key, ref, submission);
                }
            } catch (RuntimeException e) {
                lines.settled(Fate.UNFINISHED);
                fail(lineNumber, key, e);
            } finally {
                unfinished.decrementAndGet();
                signalProgress();
            }
        });
    }

    /**
     * Rejects here what the processor would reject (with the same checks, from core), before submitting: the line's
     * event reference needs a valid sequence, and a line rejected here is written to {@code --rejected} in file order
     * also when the lanes run on threads. The processor's own checks stay in force behind this: anything they reject
     * still lands in {@code --rejected}, with the reason its submission gives.
     */
    private void validate(Event event) {
        AggregateKey.of(event.domain(), event.aggregateId()); // a blank or oversized domain or id is rejected here
        DomainRegistration registration = registry.lookup(event.domain());
        if (registration.mode().usesStore()) { // a disabled domain passes events through, sequenced or not
            io.seqtrack.core.port.in.TrackedEvent.sequenceIn(event, registration);
        }
    }

    private void counted(Outcome outcome, long lineNumber, String text, AggregateKey key, Optional<EventRef> ref,
            Submission submission) {
        switch (outcome) {
            case PROCESSED:
                lines.settled(Fate.PROCESSED); // the event itself is counted from the listener, like drained ones
                break;
            case DUPLICATE:
                duplicates.increment();
                ref.ifPresentOrElse(lines::duplicate, () -> lines.settled(Fate.DUPLICATE));
                break;
            case BUFFERED:
                // a second line for an event that waits (or waited) in the buffer is a duplicate, not a buffered event
                if (ref.isEmpty() || lines.buffered(ref.get())) {
                    buffered.increment();
                } else {
                    duplicates.increment();
                }
                break;
            case PARKED:
                lines.settled(Fate.PARKED); // the event itself is counted from the listener, like drained ones
                ref.ifPresent(lines::forgetAnnouncement);
                break;
            case SKIPPED:
                lines.settled(Fate.SKIPPED);
                break;
            case REJECTED:
                reject(lineNumber, text, submission.rejectionReason().orElse("rejected by the processor"));
                break;
            case BUFFER_FULL:
                bufferFull.increment();
                lines.settled(Fate.REFUSED);
                err.printf("tracker: line %d (%s) refused: the buffer is full (raise maxBufferedPerAggregate)%n",
                        lineNumber, key);
                break;
            default:
                throw new IllegalStateException("unknown outcome " + outcome);
        }
    }

    private void reject(long lineNumber, String text, String error) {
        ObjectNode json = EventJson.MAPPER.createObjectNode();
        json.put("line", lineNumber);
        json.put("error", error);
        json.put("text", text);
        rejectedOut.write(json);
        rejected.increment();
        lines.settled(Fate.REJECTED);
    }

    // ------------------------------------------------------------------ the processor's side

    /**
     * The replay's handler: its effect is the processed line, written whole before it returns, so the processor
     * commits only an event whose line is in the file. A line that cannot be written fails the handler (the event is
     * not committed) and the run.
     */
    private void handle(Event event, HandlerContext context) throws InterruptedException {
        if (!handlerDelay.isZero()) {
            Thread.sleep(handlerDelay.toMillis(), handlerDelay.toNanosPart() % 1_000_000);
        }
        // the input object this run submitted the event with (also when it waited in the buffer); none for an event
        // another worker buffered
        ObjectNode json = context.attachment().map(ObjectNode.class::cast)
                .orElseGet(() -> EventJson.toJson(context.key(), new BufferedEvent(context.sequence(), event.eventId(),
                        event.type(), event.payload(), Instant.EPOCH), sequenceField(context.domain())));
        ObjectNode line = json.deepCopy();
        line.put("workerId", workerId);
        line.put("fencingToken", context.fencingToken());
        line.put("attempt", context.attempt());
        line.put("handledAt", JsonLines.nowMicros());
        try {
            processedOut.write(line);
        } catch (RuntimeException e) {
            fail(0, context.key(), e);
            throw e;
        }
    }

    private void on(ProcessorEvent event) {
        try {
            record(event);
        } catch (RuntimeException e) {
            // a listener's exception is only logged by the processor: an output that cannot be written fails the run
            fail(0, event.key(), e);
        } finally {
            signalProgress();
        }
    }

    private void record(ProcessorEvent event) {
        if (event instanceof ProcessorEvent.Processed p) {
            processed.increment(); // the line was written by the handler, before the commit

            if (p.fromBuffer()) {
                reordered.increment();
                lines.resolved(EventRef.of(p.key(), p.sequence()), Fate.PROCESSED);
            }
        } else if (event instanceof ProcessorEvent.Parked p) {
            ObjectNode line = p.attachment().map(ObjectNode.class::cast)
                    .orElseGet(() -> minimalJson(p.key(), p.sequence())).deepCopy();
            line.put("reason", p.reason());
            line.put("workerId", workerId);
            parkedOut.write(line);
            parked.increment();
            lines.resolved(EventRef.of(p.key(), p.sequence()), Fate.PARKED);
        } else if (event instanceof ProcessorEvent.Skipped s) {
            skippedGaps.increment();
            lines.skippedRange(s.key(), s.range().fromSequence(), s.range().toSequence());
        } else if (event instanceof ProcessorEvent.GapFailed g) {
            dropped.add(g.sequences().size());
            g.sequences().forEach(s -> lines.resolved(EventRef.of(g.key(), s), Fate.SKIPPED));
            err.printf("tracker: gap policy fail dropped %s %s: %s%n", g.key(),
                    g.sequences().stream().map(s -> "#" + s).collect(Collectors.joining(", ")), g.reason());
        } else if (event instanceof ProcessorEvent.Fenced) {
            fenced.increment(); // our lease ran out before the commit: another worker handles the event again
        }
        // Rejected needs nothing here: the line's own submission says why (see counted)
    }

    private ObjectNode minimalJson(AggregateKey key, long sequence) {
        ObjectNode json = EventJson.MAPPER.createObjectNode();
        json.put("domain", key.domain());
        json.put("aggregateId", key.aggregateId());
        json.put(registry.find(key.domain()).map(ReplayRun::sequenceField).orElse("sequence"), sequence);
        return json;
    }

    // ------------------------------------------------------------------ the end of the run

    /** Waits until every submission has its outcome and every gap timed out or filled. */
    private void settle() {
        if (virtualTime != null) {
            try {
                if (!virtualTime.runUntil(() -> interrupted.get() || settled()) && !interrupted.get()) {
                    failure.compareAndSet(null, "the processor did not settle: " + describe(processor.snapshot()));
                }
            } catch (IllegalStateException e) {
                failure.compareAndSet(null, e.getMessage() + "; " + describe(processor.snapshot()));
            }
            return;
        }
        long deadline = System.nanoTime() + settleTimeout.toNanos();
        synchronized (progress) {
            while (failure.get() == null && !interrupted.get() && !threads.quietWhile(this::settled)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    failure.compareAndSet(null, "gave up after " + settleTimeout.toSeconds() + " s waiting for the "
                            + "processor to settle: " + describe(processor.snapshot()));
                    return;
                }
                try {
                    // woken by every listener event and outcome; the timeout re-reads the gauges regardless
                    progress.wait(Math.max(1, Math.min(100, left / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure.compareAndSet(null, "interrupted while waiting for the processor to settle");
                    return;
                }
            }
        }
    }

    /** Every submission has its outcome and every gap timed out or filled. */
    private boolean settled() {
        ProcessorSnapshot snapshot = processor.snapshot();
        return unfinished.get() == 0 && snapshot.inFlight() == 0 && snapshot.openGaps() == 0;
    }

    private String describe(ProcessorSnapshot snapshot) {
        return unfinished.get() + " submission(s) unfinished, " + snapshot.openGaps() + " gap(s) open, "
                + snapshot.bufferedEvents() + " event(s) buffered";
    }

    private void signalProgress() {
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    private void fail(long lineNumber, AggregateKey key, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        String where = lineNumber > 0 ? "line " + lineNumber + " (" + key + ")" : String.valueOf(key);
        failure.compareAndSet(null, where + ": " + TrackerCli.describe(cause));
    }

    private static OptionalLong sequenceOf(Event event, DomainRegistration registration) {
        return registration.sequenceSource().read(event.sequence(), event.aggregateVersion());
    }

    private static String sequenceField(DomainRegistration registration) {
        return registration.sequenceSource().field();
    }
}
