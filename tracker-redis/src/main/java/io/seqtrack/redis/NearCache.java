package io.seqtrack.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.seqtrack.core.domain.AggregateKey;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The duplicate fast path: a process-local lower bound of each aggregate's last committed sequence, so an event at or
 * below it is answered {@code DUPLICATE} with no round trip.
 *
 * <p><b>Why it is safe.</b> Workers only ever move {@code last} up. A value read from Redis at time {@code t} is a lower
 * bound of {@code last} at any later time — so {@code seq <= cached} proves a duplicate — with one exception: an
 * operator {@code reset} or {@code delete} moves it down. Two guards cover that:
 * <ul>
 *   <li>In this process, reset/delete bump an epoch and drop the entry before and after their script; a reply to a
 *       request sent under an older epoch is never cached, so a value read before the reset cannot come back.</li>
 *   <li>Other processes' entries are trusted only for {@code freshness} after their request was <em>sent</em>, and
 *       reset/delete return only after waiting {@code freshness}: once they return, no cache anywhere still holds a
 *       pre-reset value.</li>
 * </ul>
 * The cache can only say "duplicate" where Redis would; it never says "in order" — those always go to Redis.
 */
final class NearCache {

    private final Cache<AggregateKey, Entry> entries;
    private final Ticker ticker;
    private final long freshnessNanos;
    private final AtomicLong epoch = new AtomicLong();

    NearCache(int maximumSize, Duration freshness, Ticker ticker) {
        this.ticker = ticker;
        this.freshnessNanos = freshness.toNanos();
        this.entries = Caffeine.newBuilder().maximumSize(maximumSize).expireAfterWrite(freshness).ticker(ticker).build();
    }

    /** Taken just before a request is sent: the epoch and the send time its reply will be cached under. */
    Ticket ticket() {
        return new Ticket(epoch.get(), ticker.read());
    }

    /** The cached lower bound of {@code last}, if one is still fresh. */
    OptionalLong knownLast(AggregateKey key) {
        Entry entry = entries.getIfPresent(key);
        if (entry == null || ticker.read() - entry.sentAtNanos >= freshnessNanos) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(entry.last);
    }

    /** Records {@code last} as read by a request sent under {@code ticket}, unless a reset/delete happened since. */
    void remember(AggregateKey key, long last, Ticket ticket) {
        if (last <= 0 || ticket.epoch != epoch.get()) {
            return;
        }
        entries.asMap().merge(key, new Entry(last, ticket.sentAtNanos),
                (old, fresh) -> fresh.last >= old.last ? fresh : old);
        if (ticket.epoch != epoch.get()) {
            entries.invalidate(key); // a reset slipped in between the check and the merge
        }
    }

    /** Called by reset/delete, before and after their script. */
    void forget(AggregateKey key) {
        epoch.incrementAndGet();
        entries.invalidate(key);
    }

    Duration freshness() {
        return Duration.ofNanos(freshnessNanos);
    }

    record Ticket(long epoch, long sentAtNanos) {
    }

    private record Entry(long last, long sentAtNanos) {
    }
}
