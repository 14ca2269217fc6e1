package io.seqtrack.torture;

import io.seqtrack.redis.testsupport.RedisProcess;
import io.seqtrack.torture.HistoryChecker.Figures;
import io.seqtrack.torture.TorturePlan.Aggregate;
import io.seqtrack.torture.TortureRun.Target;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import static io.seqtrack.torture.TortureScenarios.HANDLER_FAILURE_RATE;
import static io.seqtrack.torture.TortureScenarios.SETTLE;
import static io.seqtrack.torture.TortureScenarios.assertClean;
import static io.seqtrack.torture.TortureScenarios.plan;
import static io.seqtrack.torture.TortureScenarios.trapAggregate;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two worker JVMs with two processors each consume one shuffled stream with duplicates, redeliveries, permanent gaps
 * and randomly failing handlers against one real {@code redis-server}, under one injected fault per scenario.
 */
class StandaloneTortureTest {

    private static Target target(RedisProcess redis) {
        return new Target("standalone", redis.uri(), false, 0);
    }

    /** One scenario: a Redis started with {@code redisArgs}, two worker JVMs on the stream, {@code fault} mid-run. */
    private static void scenario(String name, long salt, List<String> redisArgs,
            BiConsumer<RedisProcess, TortureRun> fault) {
        try (RedisProcess redis = RedisProcess.start(redisArgs.toArray(String[]::new));
                TortureRun run = new TortureRun(name, target(redis), plan(salt), 2, salt)) {
            run.startWorkers(2, HANDLER_FAILURE_RATE, "").feed();
            fault.accept(redis, run);
            assertClean(run.settleAndFinish(SETTLE));
        }
    }

    @Test
    void competingWorkersWithoutFaults() {
        scenario("no-fault", 1, List.of(), (redis, run) -> { });
    }

    @Test
    void redisKilledAndRestartedWithAofAlways() {
        redisKilledAndRestarted("always", 2);
    }

    /**
     * {@code everysec} fsyncs once a second, but Redis has already {@code write(2)}n every acknowledged command to the
     * AOF: a SIGKILL of the process loses nothing (an OS crash or power loss could lose up to a second).
     */
    @Test
    void redisKilledAndRestartedWithAofEverysec() {
        redisKilledAndRestarted("everysec", 3);
    }

    private void redisKilledAndRestarted(String fsync, long salt) {
        scenario("redis-sigkill-aof-" + fsync, salt, List.of("--appendonly", "yes", "--appendfsync", fsync),
                (redis, run) -> {
                    run.awaitAcknowledged(0.3);
                    run.requireInFlight();
                    long pid = redis.pid();
                    long since = History.micros();
                    redis.kill();
                    Faults.requireDead(pid);
                    TortureRun.pause(1000);
                    redis.restart();
                    Faults.cli(redis, "PING");
                    run.fault("Redis SIGKILL, down 1 s, restart (AOF " + fsync + ")",
                            run.requireFailedSubmissions(since));
                });
    }

    @Test
    void redisPausedLongerThanCommandTimeoutAndLease() {
        scenario("redis-sigstop", 4, List.of(), (redis, run) -> {
            run.awaitAcknowledged(0.3);
            run.requireInFlight();
            long since = History.micros();
            Faults.freeze(redis.pid());
            TortureRun.pause(3000); // > command timeout (1 s) and lease (1.5 s)
            Faults.thaw(redis.pid());
            run.fault("Redis SIGSTOP 3 s (timeout 1 s, lease 1.5 s, gap timeout 5 s), SIGCONT",
                    run.requireFailedSubmissions(since));
        });
    }

    /**
     * Each fault must be seen to hit the workers: after a {@code SCRIPT FLUSH} the server counts NOSCRIPT errors and
     * {@code EVAL} calls (the fallback), a {@code CLIENT KILL} kills at least one worker connection and the workers
     * reconnect, and the wake-up subscribers come back after theirs were killed.
     */
    @Test
    void scriptFlushAndClientKillMidRun() {
        scenario("script-flush-client-kill", 5, List.of(), (redis, run) -> {
            run.awaitAcknowledged(0.2);
            List<String> evidence = new ArrayList<>();
            evidence.add(scriptFlush(redis, run));
            run.awaitAcknowledged(0.35);
            evidence.add(clientKill(redis, run, "normal"));
            run.awaitAcknowledged(0.5);
            evidence.add(scriptFlush(redis, run));
            evidence.add(clientKill(redis, run, "pubsub"));
            evidence.add(clientKill(redis, run, "normal"));
            run.fault("SCRIPT FLUSH ×2, CLIENT KILL normal ×2 + pubsub ×1", String.join("; ", evidence));
        });
    }

    private static String scriptFlush(RedisProcess redis, TortureRun run) {
        run.requireInFlight();
        long noscript = Faults.info(redis, "errorstats", "errorstat_NOSCRIPT", "count");
        long evals = Faults.info(redis, "commandstats", "cmdstat_eval", "calls");
        Faults.cliOk(redis, "SCRIPT", "FLUSH");
        TortureRun.await("NOSCRIPT answered and EVAL fallbacks after SCRIPT FLUSH", TortureScenarios.SETTLE,
                () -> Faults.info(redis, "errorstats", "errorstat_NOSCRIPT", "count") > noscript
                        && Faults.info(redis, "commandstats", "cmdstat_eval", "calls") > evals);
        return "SCRIPT FLUSH: " + (Faults.info(redis, "errorstats", "errorstat_NOSCRIPT", "count") - noscript)
                + " NOSCRIPT, " + (Faults.info(redis, "commandstats", "cmdstat_eval", "calls") - evals) + " EVAL";
    }

    private static String clientKill(RedisProcess redis, TortureRun run, String type) {
        run.requireInFlight();
        String channel = run.prefix() + ":commits";
        long subscribers = Faults.subscribers(redis, channel);
        long clients = Faults.info(redis, "clients", "connected_clients", null);
        long killed = Faults.cliInteger(redis, "CLIENT", "KILL", "TYPE", type);
        if (killed < 1) {
            throw new AssertionError("CLIENT KILL TYPE " + type + " killed no connection");
        }
        if ("pubsub".equals(type)) {
            if (subscribers < 1) {
                throw new AssertionError("no worker was subscribed to " + channel + " before the kill");
            }
            TortureRun.await("wake-up subscribers back on " + channel, TortureScenarios.SETTLE,
                    () -> Faults.subscribers(redis, channel) >= subscribers);
            return "CLIENT KILL pubsub: " + killed + " killed, " + subscribers + " subscribers back";
        }
        TortureRun.await("workers reconnected after CLIENT KILL", TortureScenarios.SETTLE,
                () -> Faults.info(redis, "clients", "connected_clients", null) >= clients);
        return "CLIENT KILL normal: " + killed + " killed, reconnected";
    }

    @Test
    void workerKilledInTheMiddleOfAHandler() {
        TorturePlan plan = plan(6);
        Aggregate trap = trapAggregate(plan);
        try (RedisProcess redis = RedisProcess.start();
                TortureRun run = new TortureRun("worker-sigkill-mid-handler", target(redis), plan, 2, 6)) {
            run.startWorkers(2, HANDLER_FAILURE_RATE, trap.key() + ":3:60000").feed();
            TortureRun.await("the trap's handler running", SETTLE, run::trapRunning);
            WorkerProcess victim = run.workers().get(0);
            run.requireInFlight();
            victim.kill();
            Faults.requireDead(victim.pid());
            run.redeliverUnacknowledged(victim);
            run.fault("worker JVM SIGKILL inside a handler; its unacknowledged deliveries redelivered",
                    "the trap's handler had started; the JVM is gone (asserted below: its run never ended)");
            Figures figures = run.settleAndFinish(SETTLE);
            assertClean(figures);
            assertThat(History.readAll(List.of(victim.dir())))
                    .as("the killed worker's trap run never ended")
                    .noneMatch(e -> e.type() == 'E' && e.key().equals(trap.key()) && e.seq() == 3);
        }
    }

    @Test
    void workerPausedPastItsLeaseIsFencedWhenItResumes() {
        TorturePlan plan = plan(7);
        Aggregate trap = trapAggregate(plan);
        try (RedisProcess redis = RedisProcess.start();
                TortureRun run = new TortureRun("worker-sigstop-past-lease", target(redis), plan, 2, 7)) {
            run.startWorkers(2, HANDLER_FAILURE_RATE, trap.key() + ":3:2500").feed();
            TortureRun.await("the trap's handler running", SETTLE, run::trapRunning);
            WorkerProcess victim = run.workers().get(0);
            run.requireInFlight();
            run.freeze(victim);
            TortureRun.pause(Duration.ofMillis(2000).toMillis()); // lease is 1.5 s
            run.redeliverUnacknowledged(victim);
            TortureRun.await("another worker committed the trap event", SETTLE, () -> History.readAll(
                    List.of(run.workers().get(1).dir())).stream()
                    .anyMatch(e -> e.type() == 'C' && e.key().equals(trap.key()) && e.seq() == 3));
            run.thaw(victim);
            run.fault("worker JVM SIGSTOP inside a handler, past its lease; SIGCONT after a successor committed",
                    "stopped per /proc; a successor committed the trap event meanwhile; fenced commit asserted below");
            Figures figures = run.settleAndFinish(SETTLE);
            assertClean(figures);
            assertThat(History.readAll(List.of(victim.dir())))
                    .as("the resumed worker's commit of the trap event was fenced")
                    .anyMatch(e -> e.type() == 'X' && e.key().equals(trap.key()) && e.seq() == 3);
            assertThat(figures.overlapsFenced()).as("overlapping runs, the older fenced").isPositive();
        }
    }
}
