package io.seqtrack.processor;

import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.port.out.BufferResult;
import io.seqtrack.core.port.out.BufferedEvent;
import io.seqtrack.core.port.out.EventBuffer;
import io.seqtrack.core.port.out.ParkedEvent;
import java.util.List;
import java.util.Set;

/** A buffer that forwards every operation to another; tests override what they need to break or observe. */
class ForwardingEventBuffer implements EventBuffer {

    final EventBuffer delegate;

    ForwardingEventBuffer(EventBuffer delegate) {
        this.delegate = delegate;
    }

    @Override
    public BufferResult add(AggregateKey key, BufferedEvent event, int maxPerAggregate) {
        return delegate.add(key, event, maxPerAggregate);
    }

    @Override
    public List<BufferedEvent> pending(AggregateKey key) {
        return delegate.pending(key);
    }

    @Override
    public boolean removePending(AggregateKey key, long sequence) {
        return delegate.removePending(key, sequence);
    }

    @Override
    public void park(AggregateKey key, ParkedEvent event) {
        delegate.park(key, event);
    }

    @Override
    public List<ParkedEvent> parked(AggregateKey key) {
        return delegate.parked(key);
    }

    @Override
    public boolean removeParked(AggregateKey key, long sequence) {
        return delegate.removeParked(key, sequence);
    }

    @Override
    public Set<AggregateKey> aggregatesWithPending() {
        return delegate.aggregatesWithPending();
    }

    @Override
    public Set<AggregateKey> parkedAggregates() {
        return delegate.parkedAggregates();
    }

    @Override
    public long pendingCount() {
        return delegate.pendingCount();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
