package io.seqtrack.tck;

import io.seqtrack.core.domain.SequenceStoreException;
import io.seqtrack.core.port.out.SequenceStore;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Stores that inject faults into an adapter's end-to-end test (one worker's view of a shared store). */
public final class StoreFaults {

    private StoreFaults() {
    }

    /**
     * {@code delegate} whose lease renewals ({@code renew}, {@code renewAsync}, {@code renewAll}, …) fail with a
     * {@link SequenceStoreException}, so the claims its worker holds expire on time while their handlers still run;
     * every other call goes through. Another worker can then claim the event with a higher token: two runs of one event
     * overlap, and the stale one must not commit.
     */
    public static SequenceStore renewalsFailing(SequenceStore delegate) {
        return failing(delegate, (method, args) -> method.getName().startsWith("renew"), "renewal lost (injected)");
    }

    /** Which store calls fail: by the SPI method called and its arguments ({@code null} when it takes none). */
    @FunctionalInterface
    public interface Fault {
        boolean fails(java.lang.reflect.Method method, Object[] args);
    }

    /**
     * {@code delegate} whose calls that {@code fault} picks fail closed with a {@link SequenceStoreException} (an
     * {@link IOException} saying {@code why} as its cause) — thrown, or as a failed stage for the async operations;
     * every other call goes through, its own failures unwrapped.
     */
    public static SequenceStore failing(SequenceStore delegate, Fault fault, String why) {
        return (SequenceStore) Proxy.newProxyInstance(SequenceStore.class.getClassLoader(),
                new Class<?>[] {SequenceStore.class}, (proxy, method, args) -> {
                    if (fault.fails(method, args)) {
                        SequenceStoreException down = SequenceStoreException.of(method.getName(), new IOException(why));
                        if (CompletionStage.class.isAssignableFrom(method.getReturnType())) {
                            return CompletableFuture.failedFuture(down);
                        }
                        throw down;
                    }
                    try {
                        return method.invoke(delegate, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
