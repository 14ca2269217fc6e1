package io.seqtrack.streams;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The system's clock, which a test can stop and start again: a runner on it stalls wherever it goes by its clock — its
 * refresh and takeover rounds (every {@code claimInterval}) and its retries — as a GC pause or a SIGSTOP would stall
 * them, while Redis's own clock (an entry's idle time) runs on. Resumed, it goes on from where it stopped.
 */
final class PausableClock extends Clock {

    private final Clock system = Clock.systemUTC();
    /** The instant it stopped at; {@code null} while it runs. */
    private volatile Instant stopped;
    /** How far behind the system's clock it runs, by the pauses so far. */
    private volatile Duration behind = Duration.ZERO;

    synchronized void pause() {
        if (stopped == null) {
            stopped = instant();
        }
    }

    synchronized void resume() {
        if (stopped != null) {
            behind = Duration.between(stopped, system.instant());
            stopped = null;
        }
    }

    @Override
    public Instant instant() {
        Instant at = stopped;
        return at != null ? at : system.instant().minus(behind);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a test clock in UTC");
    }
}
