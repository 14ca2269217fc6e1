package io.seqtrack.cli;

import io.seqtrack.processor.Event;
import io.seqtrack.processor.EventProcessor;
import io.seqtrack.processor.Outcome;
import io.seqtrack.processor.ProcessorAdmin;
import io.seqtrack.processor.ProcessorSnapshot;
import io.seqtrack.processor.Submission;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/** The processor, with every accepted outcome also reported to the simulation's observer. */
record ObservedProcessor(EventProcessor delegate, BiConsumer<Outcome, Throwable> outcomes) implements EventProcessor {

    @Override
    public CompletionStage<Outcome> submit(Event event) {
        return submitTracked(event).accepted();
    }

    @Override
    public Submission submitTracked(Event event) {
        return submitTracked(event, null);
    }

    @Override
    public Submission submitTracked(Event event, Object attachment) {
        Submission submission = delegate.submitTracked(event, attachment);
        submission.accepted().whenComplete(outcomes);
        return submission;
    }

    @Override
    public boolean durableBuffer() {
        return delegate.durableBuffer();
    }

    @Override
    public int maxInFlight() {
        return delegate.maxInFlight();
    }

    @Override
    public ProcessorAdmin admin() {
        return delegate.admin();
    }

    @Override
    public ProcessorSnapshot snapshot() {
        return delegate.snapshot();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
