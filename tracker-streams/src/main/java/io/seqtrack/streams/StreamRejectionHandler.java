package io.seqtrack.streams;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.LoggerFactory;

/**
 * Where entries the runner will not process go. The entry is acknowledged once the stage completes normally; if it
 * fails, the entry stays pending and is taken over again later. The rejection carries the entry as stored, values as
 * bytes: a dead-letter handler writes {@link StreamRejection#originalFields()}, byte for byte.
 */
@FunctionalInterface
public interface StreamRejectionHandler {

    CompletionStage<Void> reject(StreamRejection rejection);

    /** The default: a WARN line through SLF4J. */
    static StreamRejectionHandler logging() {
        return rejection -> {
            LoggerFactory.getLogger(StreamRejectionHandler.class).warn("rejected {} {} of {}: {}", rejection.kind(),
                    rejection.entry().getId(), rejection.entry().getStream(), rejection.reason());
            return CompletableFuture.completedFuture(null);
        };
    }
}
