package io.seqtrack.torture;

import io.seqtrack.redis.testsupport.RedisProcess;
import io.seqtrack.torture.HistoryChecker.Figures;
import io.seqtrack.torture.TorturePlan.Aggregate;
import io.seqtrack.torture.TortureRun.Target;
import org.junit.jupiter.api.Test;

import java.time.Duration;
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
                    redis.kill();
                    TortureRun.pause(1000);
                    redis.restart();
                    run.fault("Redis SIGKILL, down 1 s, restart (AOF " + fsync + ")");
                });
    }

    @Test
    void redisPausedLongerThanCommandTimeoutAndLease() {
        scenario("redis-sigstop", 4, List.of(), (redis, run) -> {
            run.awaitAcknowledged(0.3);
            redis.pause();
            TortureRun.pause(3000); // > command timeout (1 s) and lease (1.5 s)
            redis.resume();
            run.fault("Redis SIGSTOP 3 s (timeout 1 s, lease 1.5 s, gap timeout 5 s), SIGCONT");
        });
    }

    @Test
    void scriptFlushAndClientKillMidRun() {
        scenario("script-flush-client-kill", 5, List.of(), (redis, run) -> {
            run.awaitAcknowledged(0.2);
            redis.cli("SCRIPT", "FLUSH");
            run.awaitAcknowledged(0.4);
            redis.cli("CLIENT", "KILL", "TYPE", "normal");
            run.awaitAcknowledged(0.6);
            redis.cli("SCRIPT", "FLUSH");
            redis.cli("CLIENT", "KILL", "TYPE", "pubsub");
            redis.cli("CLIENT", "KILL", "TYPE", "normal");
            run.fault("SCRIPT FLUSH ×2, CLIENT KILL normal ×2 + pubsub ×1");
        });
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
            victim.kill();
            run.redeliverUnacknowledged(victim);
            run.fault("worker JVM SIGKILL inside a handler; its unacknowledged deliveries redelivered");
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
            victim.pause();
            TortureRun.pause(Duration.ofMillis(2000).toMillis()); // lease is 1.5 s
            run.redeliverUnacknowledged(victim);
            TortureRun.await("another worker committed the trap event", SETTLE, () -> History.readAll(
                    List.of(run.workers().get(1).dir())).stream()
                    .anyMatch(e -> e.type() == 'C' && e.key().equals(trap.key()) && e.seq() == 3));
            victim.resume();
            run.fault("worker JVM SIGSTOP inside a handler, past its lease; SIGCONT after a successor committed");
            Figures figures = run.settleAndFinish(SETTLE);
            assertClean(figures);
            assertThat(History.readAll(List.of(victim.dir())))
                    .as("the resumed worker's commit of the trap event was fenced")
                    .anyMatch(e -> e.type() == 'X' && e.key().equals(trap.key()) && e.seq() == 3);
            assertThat(figures.overlapsFenced()).as("overlapping runs, the older fenced").isPositive();
        }
    }
}
