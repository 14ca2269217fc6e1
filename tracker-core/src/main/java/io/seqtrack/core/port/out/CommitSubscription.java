package io.seqtrack.core.port.out;

/** An active {@link SequenceStore#subscribeCommits} subscription; close it to stop receiving notifications. */
@FunctionalInterface
public interface CommitSubscription extends AutoCloseable {

    /** The subscription of a store that sends no notifications. */
    CommitSubscription NONE = () -> { };

    @Override
    void close();
}
