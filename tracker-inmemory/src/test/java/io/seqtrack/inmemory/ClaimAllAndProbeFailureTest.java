package io.seqtrack.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.port.out.ClaimRequest;
import io.seqtrack.core.port.out.ClaimStatus;
import io.seqtrack.core.port.out.EventBuffer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review finding: {@code SequenceStore#claimAllAndProbe}'s default promises that "if the presence read fails after the
 * claims answered, the granted claims are released". It releases them only when the buffer fails with a
 * {@code SequenceTrackingException}; any other failure of the buffer (a closed buffer's IllegalStateException, a
 * ClassCastException on an odd reply, a bug) escapes with the claims still held, and every other worker meets BUSY
 * until the lease runs out. (The tracker turns that escape into a store failure, so the lane then claims each event
 * again alone, and leaks those claims too.)
 */
class ClaimAllAndProbeFailureTest {

    @Test
    void regressionReview4_claimsAreReleasedWhateverTheBufferFailsWith() {
        InMemorySequenceStore store = InMemorySequenceStore.create();
        InMemoryEventBuffer real = InMemoryEventBuffer.create();
        EventBuffer failing = (EventBuffer) Proxy.newProxyInstance(EventBuffer.class.getClassLoader(),
                new Class<?>[] {EventBuffer.class}, (proxy, method, args) -> {
                    if (method.getName().equals("presence")) {
                        throw new IllegalStateException("the buffer is closed");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        AggregateKey key = AggregateKey.of("user_account", "probe-fails");
        Duration lease = Duration.ofMinutes(5);

        assertThatThrownBy(() -> store.claimAllAndProbe(
                List.of(new ClaimRequest(key, 1, TrackingMode.STRICT, "w1", lease)), failing))
                .isInstanceOf(RuntimeException.class);

        assertThat(store.claim(key, 1, TrackingMode.STRICT, "w2", lease).status())
                .as("the claim the failed probe followed was given back").isEqualTo(ClaimStatus.CLAIMED);
    }
}
