package io.seqtrack.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.processor.ProcessorScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The virtual-time scheduler an in-memory replay runs its processor on. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ReplaySchedulerTest {

    private static final Instant ORIGIN = Instant.parse("2026-01-01T00:00:00Z");

    private final ReplayScheduler scheduler = new ReplayScheduler(ORIGIN, 1_000);
    private final List<String> ran = new ArrayList<>();

    @Test
    void laneTasksRunInSubmissionOrderIncludingTheOnesTheyQueueWithoutMovingTheClock() {
        scheduler.execute(0, () -> {
            ran.add("a");
            scheduler.execute(0, () -> ran.add("c"));
        });
        scheduler.execute(0, () -> ran.add("b"));

        scheduler.runReady();

        assertThat(ran).containsExactly("a", "b", "c");
        assertThat(scheduler.clock().instant()).isEqualTo(ORIGIN);
    }

    @Test
    void delayedTasksRunInDueOrderWithTheClockAtTheirDueTime() {
        scheduler.schedule(0, Duration.ofSeconds(30), () -> ran.add("30s at " + scheduler.elapsed()));
        scheduler.scheduleOffLane(Duration.ofMillis(50), () -> ran.add("50ms at " + scheduler.elapsed()));
        scheduler.schedule(0, Duration.ofMillis(50), () -> ran.add("50ms again at " + scheduler.elapsed()));

        boolean done = scheduler.runUntil(() -> ran.size() == 3);

        assertThat(done).isTrue();
        assertThat(ran).containsExactly("50ms at PT0.05S", "50ms again at PT0.05S", "30s at PT30S");
        assertThat(scheduler.clock().instant()).isEqualTo(ORIGIN.plusSeconds(30));
    }

    @Test
    void aCancelledTaskNeverRuns() {
        ProcessorScheduler.Cancellable timer = scheduler.schedule(0, Duration.ofSeconds(1), () -> ran.add("late"));
        timer.cancel();

        boolean done = scheduler.runUntil(() -> false);

        assertThat(done).as("no timer left to fire").isFalse();
        assertThat(ran).isEmpty();
    }

    @Test
    void runUntilStopsOnceTheConditionHoldsEvenWithAPeriodicTimerScheduled() {
        Runnable[] sweep = new Runnable[1];
        sweep[0] = () -> {
            ran.add("sweep");
            scheduler.scheduleOffLane(Duration.ofSeconds(30), sweep[0]);
        };
        scheduler.scheduleOffLane(Duration.ZERO, sweep[0]);
        scheduler.schedule(0, Duration.ofMinutes(2), () -> ran.add("gap timed out"));

        boolean done = scheduler.runUntil(() -> ran.contains("gap timed out"));

        assertThat(done).isTrue();
        // sweeps at 0, 30, 60 and 90 s; the one due at 120 s was scheduled after the gap timer, so it comes second
        assertThat(ran).containsExactly("sweep", "sweep", "sweep", "sweep", "gap timed out");
    }

    @Test
    void aProcessorThatNeverSettlesFailsInsteadOfHanging() {
        Runnable[] forever = new Runnable[1];
        forever[0] = () -> scheduler.schedule(0, Duration.ofSeconds(1), forever[0]);
        scheduler.execute(0, forever[0]);

        assertThatThrownBy(() -> scheduler.runUntil(() -> false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("did not settle");
    }

    @Test
    void hugeDelaysSaturateInsteadOfOverflowing() {
        scheduler.schedule(0, Duration.ofSeconds(Long.MAX_VALUE), () -> ran.add("never, practically"));
        scheduler.schedule(0, Duration.ofSeconds(1), () -> ran.add("soon"));

        scheduler.runUntil(() -> ran.contains("soon"));

        assertThat(ran).containsExactly("soon");
    }
}
