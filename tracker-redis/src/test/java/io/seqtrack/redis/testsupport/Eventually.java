package io.seqtrack.redis.testsupport;

import io.seqtrack.core.domain.SequenceStoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Retries a store call while it fails closed — what a caller does after a restart or failover, until the client has
 * reconnected. Bounded; the last failure is rethrown.
 */
public final class Eventually {

    private Eventually() {
    }

    public static <T> T answered(Supplier<T> call) {
        return answered(call, Duration.ofSeconds(30));
    }

    public static <T> T answered(Supplier<T> call, Duration within) {
        Instant deadline = Instant.now().plus(within);
        while (true) {
            try {
                return call.get();
            } catch (SequenceStoreException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw e;
                }
                try {
                    Thread.sleep(50); // waiting for a real client to reconnect to a real server
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
