package io.seqtrack.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.LoggerFactory;

/**
 * Where records the runner will not process go (a dead-letter topic, a table, a log). The record's offset counts as
 * acknowledged once the returned stage completes normally; if it fails, the record is delivered again (after a
 * backoff) and rejected again — so a rejection is never lost, and an unmappable record never blocks the records behind
 * it for longer than its rejection takes. Called on the poll thread: return quickly, do the I/O asynchronously.
 */
@FunctionalInterface
public interface RejectionHandler {

    CompletionStage<Void> reject(RejectedRecord rejected);

    /** The default: a WARN line through SLF4J naming the record's topic, partition, offset and the reason. */
    static RejectionHandler logging() {
        return rejected -> {
            LoggerFactory.getLogger(RejectionHandler.class).warn("rejected {}", rejected);
            return CompletableFuture.completedFuture(null);
        };
    }

    /**
     * Produces each rejected record, unchanged (key, value, headers), to {@code topic} with three more headers:
     * {@code seqtrack-rejected-reason}, {@code seqtrack-rejected-kind} and {@code seqtrack-rejected-from}
     * ({@code topic-partition@offset}). Completes when the producer acknowledged the write. The send runs on a thread
     * of the handler's own (one, daemon, in order), not the poll thread: {@code KafkaProducer.send} blocks its caller up
     * to {@code max.block.ms} while the topic's metadata is unknown or the producer's buffer is full, and a few such
     * sends in one turn would hold the poll thread past {@code max.poll.interval.ms} (review finding).
     */
    static RejectionHandler toTopic(Producer<byte[], byte[]> producer, String topic) {
        Objects.requireNonNull(producer, "producer");
        if (topic == null || topic.isBlank()) {
            throw io.seqtrack.core.domain.InvalidConfigurationException.of("kafka.rejections.topic",
                    "must be a non-blank topic name, was '" + topic + "'");
        }
        java.util.concurrent.Executor sender = java.util.concurrent.Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "seqtrack-kafka-rejections-" + topic);
            thread.setDaemon(true);
            return thread;
        });
        return rejected -> {
            ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(topic, null, rejected.record().key(),
                    rejected.record().value(), rejected.record().headers());
            out.headers().add("seqtrack-rejected-reason", rejected.reason().getBytes(StandardCharsets.UTF_8));
            out.headers().add("seqtrack-rejected-kind", rejected.kind().name().getBytes(StandardCharsets.UTF_8));
            out.headers().add("seqtrack-rejected-from", (rejected.record().topic() + "-" + rejected.record().partition()
                    + "@" + rejected.offset()).getBytes(StandardCharsets.UTF_8));
            CompletableFuture<Void> written = new CompletableFuture<>();
            sender.execute(() -> {
                try {
                    producer.send(out, (metadata, error) -> {
                        if (error == null) {
                            written.complete(null);
                        } else {
                            written.completeExceptionally(error);
                        }
                    });
                } catch (RuntimeException e) {
                    written.completeExceptionally(e);
                }
            });
            return written;
        };
    }
}
