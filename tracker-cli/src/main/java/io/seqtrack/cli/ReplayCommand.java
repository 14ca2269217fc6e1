package io.seqtrack.cli;

import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.GapPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tracker replay --events FILE}: runs the events of a JSON Lines file through the processor and writes what
 * happened to each. With {@code --store memory} (the default) the run ends once the file is consumed and every gap
 * timed out or filled, on virtual time; with a Redis store several replays may share one store and file, and together
 * they handle every event once.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Replay events from a JSON Lines file through the processor and write what happened.",
            "Input, one event a line: {\"eventId\":\"e-1\",\"domain\":\"user_account\",\"aggregateId\":\"u-1\","
                    + "\"sequence\":1,\"type\":\"UserCreated\",\"payload\":{...}}",
            "Exit codes: 0 done (parked and rejected events included), 1 failed (store unreachable, store error "
                    + "mid-run), 2 bad usage, 130/143 interrupted (Ctrl-C/SIGTERM; the summary says so)."})
final class ReplayCommand implements Callable<Integer> {

    @Option(names = "--events", required = true, paramLabel = "FILE", description = "the events, one JSON object a line")
    Path events;

    @Mixin
    StoreOptions storeOptions;

    @Option(names = "--processed", paramLabel = "OUT.jsonl",
            description = "handled events in handling order: the input object plus workerId, fencingToken, attempt "
                    + "and handledAt (epoch microseconds); each line is written whole before its event is committed")
    Path processed;

    @Option(names = "--parked", paramLabel = "OUT.jsonl", description = "parked events with the reason")
    Path parked;

    @Option(names = "--rejected", paramLabel = "OUT.jsonl",
            description = "lines that were not valid events, with the line number and the error")
    Path rejected;

    @Option(names = "--summary", paramLabel = "OUT.json", description = "the counts as a JSON object")
    Path summary;

    @Option(names = "--overwrite",
            description = "replace outputs that exist and are not empty (without it such a file is kept and the run "
                    + "stops before it starts: an earlier run's processed lines may be the only record of its commits)")
    boolean overwrite;

    @Option(names = "--worker-id", paramLabel = "ID",
            description = "this worker's id, the claim owner (default: replay-PID-RANDOM)")
    String workerId;

    @Option(names = "--gap-timeout", paramLabel = "DURATION", converter = DurationParser.Converter.class,
            description = "overrides every tracked domain's gap timeout (500ms, 30s, 5m, PT30S)")
    Duration gapTimeout;

    @Option(names = "--gap-policy", paramLabel = "park|skip|fail", converter = GapPolicyConverter.class,
            description = "overrides every tracked domain's gap policy")
    GapPolicy gapPolicy;

    @Option(names = "--handler-delay", paramLabel = "DURATION", converter = DurationParser.Converter.class,
            description = "let the handler take this long per event, to try out Ctrl-C and competing workers "
                    + "(default: none)")
    Duration handlerDelay;

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** How long Ctrl-C waits for the submitted events and the summary before the process ends anyway. */
    static final Duration INTERRUPT_GRACE = Duration.ofSeconds(20);

    @Override
    public Integer call() throws IOException {
        CommandLine cli = spec.commandLine();
        if (gapTimeout != null && (gapTimeout.isZero() || gapTimeout.isNegative())) {
            throw new ParameterException(cli, "--gap-timeout must be positive, was " + gapTimeout);
        }
        if (handlerDelay != null && handlerDelay.isNegative()) {
            throw new ParameterException(cli, "--handler-delay must not be negative, was " + handlerDelay);
        }
        if (workerId != null && (workerId.isBlank() || workerId.length() > 200)) {
            throw new ParameterException(cli, "--worker-id must be 1-200 non-blank characters, was '" + workerId + "'");
        }
        try {
            new OutputPaths().input("--events", events).input("--domains", storeOptions.domains)
                    .output("--processed", processed).output("--parked", parked).output("--rejected", rejected)
                    .output("--summary", summary).overwrite(overwrite).check();
        } catch (OutputPaths.Refused e) {
            throw new ParameterException(cli, e.getMessage());
        }
        if (!Files.exists(events)) {
            throw new ParameterException(cli, "--events " + events + ": no such file");
        }
        if (Files.isDirectory(events)) {
            throw new ParameterException(cli, "--events " + events + " is a directory; give the events file");
        }
        if (!Files.isReadable(events)) {
            throw new ParameterException(cli, "--events " + events + " is not readable");
        }
        String worker = workerId != null ? workerId : defaultWorkerId();
        long started = System.nanoTime();
        Interruption interruption = new Interruption();
        try {
            ReplaySummary result;
            // the store first: if it cannot be reached, the run fails before any output file is created
            try (StoreOptions.Opened opened = storeOptions.open();
                    JsonLines processedOut = JsonLines.toFile("--processed", processed, overwrite);
                    JsonLines parkedOut = JsonLines.toFile("--parked", parked, overwrite);
                    JsonLines rejectedOut = JsonLines.toFile("--rejected", rejected, overwrite)) {
                DomainRegistry registry = withOverrides(opened.registry(), gapTimeout, gapPolicy);
                ReplayRun run = new ReplayRun(registry, opened.store(), opened.buffer(), worker, !opened.durable(),
                        handlerDelay == null ? Duration.ZERO : handlerDelay, processedOut, parkedOut, rejectedOut,
                        cli.getErr());
                interruption.watch(run);
                // closed before the outputs: the processor finishes the work on its lanes, which writes lines
                try (run; ProgressBar progress = progress(run, Files.size(events), cli.getErr())) {
                    run.replay(events);
                }
                result = run.summary(events.toString(), storeName());
            }
            if (summary != null) {
                // one write of the whole object, like the lines: an interrupted process never leaves half a summary
                JsonLines.writeWhole("--summary", summary, overwrite,
                        EventJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(result.toJson()));
            }
            result.print(cli.getOut(), (System.nanoTime() - started) / 1_000_000);
            // before done(): once an interrupted run is done, the JVM may end at any moment
            return conclude(result, cli.getErr());
        } finally {
            interruption.done();
        }
    }

    /** A progress bar on the terminal; nothing when the output goes to a file or a pipe. */
    private static ProgressBar progress(ReplayRun run, long fileSize, PrintWriter err) {
        return ProgressBar.interactive() ? ProgressBar.onTerminal(err, () -> run.progressLine(fileSize))
                : ProgressBar.none();
    }

    private static int conclude(ReplaySummary result, PrintWriter err) {
        if (!result.succeeded()) {
            err.println("tracker: replay failed at " + result.failure().orElseThrow()
                    + "; the outputs are incomplete");
            return 1;
        }
        if (result.interrupted()) {
            err.println("tracker: replay interrupted; the outputs hold what was done until then");
            return 130;
        }
        if (result.received() > 0 && result.rejected() == result.received()) {
            err.println("tracker: every line of " + result.eventsFile() + " was rejected (" + result.rejected()
                    + "); is it a JSON Lines file of events? See --rejected for why");
        }
        if (result.bufferFull() > 0) {
            err.println("tracker: " + result.bufferFull() + " event(s) were refused because the buffer was "
                    + "full; the outputs are incomplete");
            return 1;
        }
        return 0;
    }

    /**
     * Ctrl-C and SIGTERM: a shutdown hook stops the run and waits, at most {@link #INTERRUPT_GRACE}, until the submitted
     * events finished, the outputs are closed and the summary is written. Without it the JVM would exit at once and
     * leave no summary.
     */
    private static final class Interruption {
        private final CountDownLatch finished = new CountDownLatch(1);
        private volatile ReplayRun run;
        private final Thread hook = new Thread(this::interrupt, "replay-interrupted");

        Interruption() {
            Runtime.getRuntime().addShutdownHook(hook);
        }

        void watch(ReplayRun run) {
            this.run = run;
        }

        private void interrupt() {
            ReplayRun current = run;
            if (current != null) {
                current.interrupt();
            }
            try {
                finished.await(INTERRUPT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void done() {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running (or has run): it returns now that the run is done
            }
        }
    }

    /** The registry with {@code --gap-timeout} and {@code --gap-policy} applied to every tracked domain. */
    static DomainRegistry withOverrides(DomainRegistry registry, Duration gapTimeout, GapPolicy gapPolicy) {
        if (gapTimeout == null && gapPolicy == null) {
            return registry;
        }
        List<DomainRegistration> registrations = new ArrayList<>();
        for (DomainRegistration registration : registry.registrations()) {
            if (!registration.mode().usesStore()) {
                registrations.add(registration); // a disabled domain has no gaps
                continue;
            }
            DomainRegistration.Builder builder = registration.toBuilder();
            if (gapTimeout != null) {
                builder.gapTimeout(gapTimeout);
            }
            if (gapPolicy != null) {
                builder.gapPolicy(gapPolicy);
            }
            registrations.add(builder.build());
        }
        return DomainRegistry.of(registrations);
    }

    /** The store for the summary, without a password a Redis URI may carry. */
    private String storeName() {
        return storeOptions.store().replaceAll("//[^@/]*@", "//***@");
    }

    private static String defaultWorkerId() {
        return "replay-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** {@code park}, {@code skip} or {@code fail}, in any case. */
    static final class GapPolicyConverter implements CommandLine.ITypeConverter<GapPolicy> {
        @Override
        public GapPolicy convert(String value) {
            for (GapPolicy policy : GapPolicy.values()) {
                if (policy.name().equalsIgnoreCase(value.trim())) {
                    return policy;
                }
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a gap policy (use park, skip or fail)");
        }
    }
}
