package io.seqtrack.torture;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.ParkedEvent;
import io.seqtrack.core.port.out.SkippedRange;
import io.seqtrack.redis.RedisEventBuffer;
import io.seqtrack.redis.RedisSequenceStore;
import io.seqtrack.redis.RedisStoreConfig;
import io.seqtrack.torture.HistoryChecker.FinalState;
import io.seqtrack.torture.HistoryChecker.Figures;
import io.seqtrack.torture.HistoryChecker.Freeze;
import io.seqtrack.torture.HistoryChecker.Interventions;
import io.seqtrack.torture.HistoryChecker.Reset;
import io.seqtrack.torture.TorturePlan.Aggregate;
import io.seqtrack.torture.TorturePlan.Delivery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * One torture scenario: worker JVMs consuming a {@link TorturePlan} from the test, which plays the broker (it hands
 * out deliveries, sends some to two workers, and redelivers what a dead or stalled worker did not acknowledge), then
 * waits until the store settles, stops the workers and runs the {@link HistoryChecker}.
 */
final class TortureRun implements AutoCloseable {

    /** Where the run's Redis is, as the workers and the checker reach it. */
    record Target(String topology, String uri, boolean cluster, int waitReplicas) {
    }

    private final String scenario;
    private final Target target;
    private final TorturePlan plan;
    private final Path root;
    private final String prefix = "torture-" + UUID.randomUUID().toString().substring(0, 8);
    private final Random random;
    private final List<WorkerProcess> workers = new ArrayList<>();
    private final int processorsPerWorker;
    private final long started = System.nanoTime();
    private final List<String> faults = new ArrayList<>();
    private boolean sticky;
    private final List<Freeze> freezes = new ArrayList<>();
    private final List<Reset> resets = new ArrayList<>();
    private final Map<Integer, List<String>> workerOptions = new HashMap<>();
    private final Map<Integer, String> workerUris = new HashMap<>();
    private String trapKey;
    private long trapSeq;
    private int redeliveries;

    TortureRun(String scenario, Target target, TorturePlan plan, int processorsPerWorker, long seed) {
        this.scenario = scenario;
        this.target = target;
        this.plan = plan;
        this.processorsPerWorker = processorsPerWorker;
        this.random = new Random(seed);
        this.root = reportDir().resolve(scenario + "-" + System.currentTimeMillis());
    }

    static Path reportDir() {
        return Path.of(System.getProperty("torture.report", "target/torture"));
    }

    /**
     * The time the store needs to be still before a run that cannot reach its planned end state is given up on:
     * comfortably above the gap timeout (a gap policy acts a gap timeout after the last progress, and a redelivered
     * or buffered event may need a lease to expire first), so a run is never judged while a policy is still due.
     */
    static final Duration SETTLED = TortureWorker.GAP_TIMEOUT.multipliedBy(2).plus(TortureWorker.LEASE);

    /** Every worker's processors hold an aggregate's next claim while its next event is at hand (before start). */
    TortureRun sticky() {
        this.sticky = true;
        return this;
    }

    /** Extra command-line options for worker {@code index} (before {@link #startWorkers}). */
    TortureRun workerOptions(int index, String... options) {
        workerOptions.computeIfAbsent(index, i -> new ArrayList<>()).addAll(List.of(options));
        return this;
    }

    /** Worker {@code index} reaches Redis at {@code uri} instead of the target's (e.g. through a proxy). */
    TortureRun workerUri(int index, String uri) {
        workerUris.put(index, uri);
        return this;
    }

    /** Starts {@code count} worker JVMs; the first gets {@code slow} ({@code key:seq:millis}) if not empty. */
    TortureRun startWorkers(int count, double failRate, String slow) {
        for (int i = 0; i < count; i++) {
            List<String> options = new ArrayList<>(List.of("--uri", workerUris.getOrDefault(i, target.uri()),
                    "--cluster",
                    Boolean.toString(target.cluster()), "--prefix", prefix, "--wait",
                    Integer.toString(target.waitReplicas()), "--processors", Integer.toString(processorsPerWorker),
                    "--fail-rate", Double.toString(failRate), "--seed", Long.toString(random.nextLong())));
            if (i == 0 && !slow.isEmpty()) {
                options.addAll(List.of("--slow", slow));
                String[] trap = slow.split(":");
                trapKey = trap[0];
                trapSeq = Long.parseLong(trap[1]);
            }
            if (sticky || TortureScenarios.STICKY) {
                options.addAll(List.of("--sticky", "true"));
            }
            options.addAll(workerOptions.getOrDefault(i, List.of()));
            workers.add(WorkerProcess.start("w" + i, root.resolve("w" + i), options));
        }
        for (WorkerProcess w : workers) {
            await(w.name() + " connected", Duration.ofSeconds(60), () -> {
                if (!w.alive()) {
                    throw new AssertionError(w.name() + " died on start: " + tail(w.stderr()));
                }
                return Files.exists(w.dir().resolve("ready"));
            });
        }
        return this;
    }

    /**
     * Hands out every delivery of the plan, as a partitioned broker would: each aggregate has a home worker (the trap
     * aggregate's is the first), and one delivery in five also goes to another worker — the duplicate a
     * consumer-group rebalance produces, which then competes with the home worker for the same aggregate.
     */
    TortureRun feed() {
        return feed(d -> true);
    }

    /** {@link #feed()} for the deliveries {@code which} accepts only (a scenario may hold some back). */
    TortureRun feed(Predicate<Delivery> which) {
        Map<WorkerProcess, List<Delivery>> batches = new LinkedHashMap<>();
        workers.forEach(w -> batches.put(w, new ArrayList<>()));
        for (Delivery delivery : plan.deliveries().stream().filter(which).toList()) {
            int to = delivery.key().equals(trapKey) ? 0 : Math.floorMod(delivery.key().hashCode(), workers.size());
            batches.get(workers.get(to)).add(delivery);
            if (workers.size() > 1 && random.nextInt(5) == 0 && !delivery.key().equals(trapKey)) {
                int other = (to + 1 + random.nextInt(workers.size() - 1)) % workers.size();
                batches.get(workers.get(other)).add(delivery.withId(delivery.id() + ".x"));
            }
        }
        batches.forEach(WorkerProcess::deliver);
        return this;
    }

    List<WorkerProcess> workers() {
        return workers;
    }

    String prefix() {
        return prefix;
    }

    TorturePlan plan() {
        return plan;
    }

    /** Records a fault that happened, with the evidence that it hit the run (shown in the report). */
    void fault(String description, String evidence) {
        faults.add(description + " [evidence: " + evidence + "]");
    }

    /**
     * Evidence that a fault hit work in flight: waits until the histories show submissions that failed closed (and
     * were redelivered) after {@code sinceMicros}; fails the scenario if none ever do.
     */
    String requireFailedSubmissions(long sinceMicros) {
        return requireFaultFelt(sinceMicros, -1);
    }

    /** How many store calls the workers have logged as failed closed ("outcome unknown") so far. */
    long storeFailuresLogged() {
        return workers.stream().mapToLong(w -> w.stderr().lines().filter(l -> l.contains("outcome unknown")).count())
                .sum();
    }

    /**
     * Evidence that a fault hit the workers: submissions that failed closed after {@code sinceMicros}, or — when
     * {@code storeFailuresBefore >= 0} — store calls the workers logged as failed closed beyond that count. (A
     * frozen Redis may catch only the processor's own retried calls — drains, rechecks, commits retried inside it —
     * while new submissions wait behind them and succeed after the thaw.)
     */
    String requireFaultFelt(long sinceMicros, long storeFailuresBefore) {
        await("submissions or store calls failing closed after the fault", TortureScenarios.SETTLE,
                () -> failedSubmissionsSince(sinceMicros) > 0
                        || storeFailuresBefore >= 0 && storeFailuresLogged() > storeFailuresBefore);
        return failedSubmissionsSince(sinceMicros) + " failed submissions" + (storeFailuresBefore < 0 ? ""
                : ", " + (storeFailuresLogged() - storeFailuresBefore) + " store calls failed closed (worker logs)");
    }

    long failedSubmissionsSince(long sinceMicros) {
        return History.readAll(dirs()).stream().filter(e -> e.type() == 'R' && e.micros() >= sinceMicros).count();
    }

    /** Fails unless some delivery is still unacknowledged: a fault injected now hits a run in progress. */
    void requireInFlight() {
        if (workers.stream().filter(WorkerProcess::alive).allMatch(w -> w.unacknowledged().isEmpty())) {
            throw new AssertionError("the fault came too late: every delivery was already acknowledged");
        }
    }

    /** SIGSTOP of a worker JVM, checked, and told to the checker (its processors were frozen from now). */
    void freeze(WorkerProcess worker) {
        long from = History.micros();
        Faults.freeze(worker.pid());
        for (int i = 0; i < processorsPerWorker; i++) {
            freezes.add(new Freeze(worker.name() + "-" + i, from, Long.MAX_VALUE));
        }
    }

    /** SIGCONT of a frozen worker JVM, checked; closes its freeze. */
    void thaw(WorkerProcess worker) {
        Faults.thaw(worker.pid());
        long to = History.micros();
        freezes.replaceAll(f -> f.proc().startsWith(worker.name() + "-") && f.toMicros() == Long.MAX_VALUE
                ? new Freeze(f.proc(), f.fromMicros(), to) : f);
    }

    /** An operator reset (or delete: {@code last} 0) of {@code key}, called at {@code from}, returned at {@code to}. */
    void recordReset(String key, long last, long from, long to) {
        resets.add(new Reset(key, last, from, to));
    }

    /** Hands {@code deliveries} to {@code worker}, as the broker does (an operator's replay, for instance). */
    void deliver(WorkerProcess worker, List<Delivery> deliveries) {
        worker.deliver(deliveries);
    }

    /** The aggregate's home worker, as {@link #feed} chose it. */
    WorkerProcess home(String key) {
        return workers.get(key.equals(trapKey) ? 0 : Math.floorMod(key.hashCode(), workers.size()));
    }

    /** Hands what {@code from} has not acknowledged to the other live workers, as a broker does after its timeout. */
    void redeliverUnacknowledged(WorkerProcess from) {
        List<WorkerProcess> others = workers.stream().filter(w -> w != from && w.alive()).toList();
        redeliveries++;
        Map<WorkerProcess, List<Delivery>> batches = new HashMap<>();
        for (Delivery d : from.unacknowledged()) {
            WorkerProcess to = others.get(random.nextInt(others.size()));
            batches.computeIfAbsent(to, w -> new ArrayList<>()).add(d.withId(d.id() + ".r" + redeliveries));
        }
        batches.forEach(WorkerProcess::deliver);
    }

    /** Polls until {@code condition} holds; fails the scenario after {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            pause(50);
        }
    }

    /** The first worker's history shows the trap's handler running (use before pausing or killing it). */
    boolean trapRunning() {
        return History.readAll(List.of(workers.get(0).dir())).stream()
                .anyMatch(e -> e.type() == 'S' && e.key().equals(trapKey) && e.seq() == trapSeq);
    }

    /** Waits until at least {@code fraction} of the plan's deliveries are acknowledged somewhere (to time a fault). */
    void awaitAcknowledged(double fraction) {
        await(Math.round(fraction * 100) + " % acknowledged", Duration.ofSeconds(120), () -> History.readAll(dirs())
                .stream().filter(e -> e.type() == 'A').count() >= fraction * plan.deliveries().size());
    }

    /**
     * Waits until every live worker has acknowledged everything it was given and the store and buffer show the
     * plan's expected end state — or, when a fault makes that unreachable, until nothing changed for {@link #SETTLED}.
     */
    boolean awaitSettled(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, FinalState> previous = null;
        long stableSince = System.nanoTime();
        try (Reader reader = new Reader()) {
            while (System.nanoTime() < deadline) {
                boolean acked = workers.stream().filter(w -> w.alive() && !w.killed())
                        .allMatch(w -> w.unacknowledged().isEmpty());
                Map<String, FinalState> state = reader.read();
                if (acked && expected(state)) {
                    return true;
                }
                if (!state.equals(previous) || !acked) {
                    previous = state;
                    stableSince = System.nanoTime();
                } else if (System.nanoTime() - stableSince > SETTLED.toNanos()) {
                    return false;
                }
                pause(300);
            }
        }
        return false;
    }

    /**
     * Every aggregate at rest: nothing pending, and either done or stopped at a permanent gap or a parked event with
     * everything after it parked. (Where it stops is the checker's business: a late event may be parked or skipped
     * by the gap policy, which is not a loss.)
     */
    private boolean expected(Map<String, FinalState> state) {
        for (Aggregate a : plan.aggregates().values()) {
            FinalState s = state.get(a.key());
            if (!s.pending().isEmpty()) {
                return false;
            }
            long next = s.last() + 1;
            if (next > a.events()) {
                continue;
            }
            if (a.exists(next) && !s.parked().contains(next)) {
                return false;
            }
            for (long seq = next + 1; seq <= a.events(); seq++) {
                if (a.exists(seq) && !s.parked().contains(seq)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** {@link #awaitSettled}, then {@link #finish}; not reaching the planned end state counts as a violation. */
    Figures settleAndFinish(Duration timeout) {
        boolean settled = awaitSettled(timeout);
        return finish(settled ? List.of() : List.of("the store did not reach the planned end state"));
    }

    /** Stops the workers, reads every history and the end state, checks, and appends a row to the report. */
    Figures finish(List<String> extraViolations) {
        workers.stream().filter(w -> !w.killed()).forEach(WorkerProcess::requestStop);
        List<String> exits = new ArrayList<>(extraViolations);
        for (WorkerProcess w : workers) {
            if (!w.killed()) {
                int code = w.awaitExit(90);
                if (code != 0) {
                    exits.add(w.name() + " exited " + code + ": " + tail(w.stderr()));
                }
            }
        }
        Map<String, FinalState> finals;
        try (Reader reader = new Reader()) {
            finals = reader.read();
        }
        Set<String> dead = new HashSet<>();
        for (WorkerProcess w : workers) {
            if (w.killed()) {
                for (int i = 0; i < processorsPerWorker; i++) {
                    dead.add(w.name() + "-" + i);
                }
            }
        }
        int sent = workers.stream().mapToInt(WorkerProcess::sentCount).sum();
        Figures figures = HistoryChecker.check(plan, History.readAll(dirs()), finals, dead, sent,
                new Interventions(List.copyOf(resets), List.copyOf(freezes)));
        figures = figures.plus(exits);
        report(figures);
        return figures;
    }

    private void report(Figures f) {
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
        String row = String.join(" | ", "", scenario, target.topology() + (target.waitReplicas() > 0 ? " + WAIT "
                        + target.waitReplicas() : ""), workers.size() + " JVMs × " + processorsPerWorker
                        + (sticky || TortureScenarios.STICKY ? " sticky" : ""),
                Integer.toString(f.events()), Integer.toString(f.deliveries()), Long.toString(f.handlerRuns()),
                Long.toString(f.injectedFailures()), faults.isEmpty() ? "—" : String.join("; ", faults),
                Long.toString(f.committed()), Long.toString(f.fenced()),
                (f.parked() - f.parkedLate()) + " / " + f.parkedLate(),
                (f.skipped() - f.skippedLate()) + " / " + f.skippedLate(), Long.toString(f.duplicates()),
                Long.toString(f.outOfOrder()), Long.toString(f.lost()), Integer.toString(f.violations().size()),
                seconds + " s", "");
        try {
            Files.createDirectories(reportDir());
            Path report = reportDir().resolve("report.md");
            if (!Files.exists(report)) {
                Files.writeString(report, "| scenario | topology | workers | events | deliveries | handler runs "
                        + "| injected handler failures | faults | committed | fenced "
                        + "| parked (behind a permanent gap / late) | skipped (missing / late) | duplicates "
                        + "| out of order | lost | violations | time |\n"
                        + "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            }
            Files.writeString(report, row.strip() + "\n", StandardOpenOption.APPEND);
            Files.writeString(root.resolve("figures.txt"), f + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("[torture] " + scenario + " on " + target.topology()
                + (sticky || TortureScenarios.STICKY ? " (sticky)" : "") + ": " + f.events() + " events, "
                + f.deliveries() + " deliveries, " + f.handlerRuns() + " handler runs, " + f.fenced() + " fenced, "
                + "violations " + f.violations().size() + (f.violations().isEmpty() ? ""
                : " " + f.violations().subList(0, Math.min(10, f.violations().size()))));
    }

    /** Every history record written so far by every worker. */
    List<History.Entry> histories() {
        return History.readAll(dirs());
    }

    private List<Path> dirs() {
        return workers.stream().map(WorkerProcess::dir).toList();
    }

    private static String tail(String text) {
        return text.length() <= 2000 ? text : text.substring(text.length() - 2000);
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis); // polling real processes, not test logic
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        workers.forEach(WorkerProcess::close);
    }

    /** Reads the end state of every planned aggregate through the same adapters the workers use. */
    private final class Reader implements AutoCloseable {
        private final RedisStoreConfig config = TortureWorker.storeConfig(Map.of("uri", target.uri(), "cluster",
                Boolean.toString(target.cluster()), "prefix", prefix, "command-timeout-ms", "5000"));
        private final RedisSequenceStore store = RedisSequenceStore.create(config);
        private final RedisEventBuffer buffer = RedisEventBuffer.create(config);

        Map<String, FinalState> read() {
            Map<String, FinalState> state = new HashMap<>();
            for (Aggregate a : plan.aggregates().values()) {
                AggregateKey key = AggregateKey.of(a.domain(), a.id());
                Set<Long> skipped = new HashSet<>();
                for (SkippedRange range : store.skippedRanges(key)) {
                    LongStream.rangeClosed(range.fromSequence(), range.toSequence()).forEach(skipped::add);
                }
                state.put(a.key(), new FinalState(store.read(key).lastCommitted(),
                        buffer.parked(key).stream().map(ParkedEvent::event).map(BufferedEvent::sequence)
                                .collect(Collectors.toSet()),
                        buffer.pending(key).stream().map(BufferedEvent::sequence).collect(Collectors.toSet()),
                        skipped));
            }
            return state;
        }

        @Override
        public void close() {
            store.close();
            buffer.close();
        }
    }
}
