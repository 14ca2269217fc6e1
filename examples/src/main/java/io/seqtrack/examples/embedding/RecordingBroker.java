package io.seqtrack.examples.embedding;

import io.seqtrack.processor.Event;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A stand-in for a broker with per-message acknowledgement (RabbitMQ, SQS, a Redis Streams group): it delivers a
 * shuffled stream with duplicates, remembers which deliveries were acknowledged, and redelivers the others on request —
 * the way a real broker redelivers after a visibility timeout or a consumer restart.
 */
final class RecordingBroker {

    /** One delivery of a message; {@code tag} identifies it for {@link #ack(long)}. */
    record Delivery(long tag, Event event, boolean redelivered) {
    }

    private final List<Event> messages;
    private final Map<Long, Event> unacknowledged = new LinkedHashMap<>();
    private long deliveries;
    private int redeliveries;

    private RecordingBroker(List<Event> messages) {
        this.messages = messages;
    }

    /**
     * {@code aggregates} user accounts with events 1..{@code events} each; about a third of the events are sent twice
     * (a producer retry); all shuffled with {@code seed}.
     */
    static RecordingBroker withShuffledStream(int aggregates, int events, long seed) {
        Random random = new Random(seed);
        List<Event> messages = new ArrayList<>();
        for (int a = 1; a <= aggregates; a++) {
            for (long seq = 1; seq <= events; seq++) {
                Event event = Event.of("e-" + a + "-" + seq, "user_account", "u-" + a, seq, "AccountChanged",
                        ("change " + seq + " of u-" + a).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                messages.add(event);
                if (random.nextInt(3) == 0) {
                    messages.add(event);
                }
            }
        }
        Collections.shuffle(messages, random);
        return new RecordingBroker(messages);
    }

    /** The first delivery of every message, in the broker's order. */
    synchronized List<Delivery> deliverAll() {
        List<Delivery> batch = new ArrayList<>();
        for (Event event : messages) {
            batch.add(deliver(event, false));
        }
        return batch;
    }

    /** A new delivery of every message not acknowledged yet. */
    synchronized List<Delivery> redeliverUnacknowledged() {
        List<Event> again = new ArrayList<>(unacknowledged.values());
        unacknowledged.clear();
        List<Delivery> batch = new ArrayList<>();
        for (Event event : again) {
            redeliveries++;
            batch.add(deliver(event, true));
        }
        return batch;
    }

    synchronized void ack(long tag) {
        unacknowledged.remove(tag);
    }

    synchronized int messageCount() {
        return messages.size();
    }

    synchronized int unacknowledgedCount() {
        return unacknowledged.size();
    }

    synchronized int redeliveries() {
        return redeliveries;
    }

    private Delivery deliver(Event event, boolean redelivered) {
        long tag = ++deliveries;
        unacknowledged.put(tag, event);
        return new Delivery(tag, event, redelivered);
    }
}
