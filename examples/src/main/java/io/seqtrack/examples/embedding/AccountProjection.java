package io.seqtrack.examples.embedding;

import com.google.inject.Singleton;
import io.seqtrack.processor.Event;
import io.seqtrack.processor.EventHandler;
import io.seqtrack.processor.HandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The application's handler: a read model of user accounts. The processor calls it one event at a time per aggregate,
 * in sequence order, and commits the sequence after it returns; throwing means "not handled" (retried, then parked).
 *
 * <p>It may be called twice for one event (a crash after the effect but before the commit, or a worker fenced after
 * its lease ran out), so it is idempotent: it remembers, per account, the last sequence it applied and the highest
 * fencing token it saw, and ignores what is not newer — what a downstream database would do with a conditional write.
 */
@Singleton
public final class AccountProjection implements EventHandler {

    /** One account as the projection sees it. */
    record Account(long lastSequence, long fencingToken, List<String> history) {
    }

    private final Map<String, Account> accounts = new ConcurrentHashMap<>();

    @Override
    public void handle(Event event, HandlerContext context) {
        String text = new String(event.payload(), StandardCharsets.UTF_8);
        accounts.compute(context.key().aggregateId(), (id, account) -> {
            if (account != null && (context.sequence() <= account.lastSequence()
                    || context.fencingToken() < account.fencingToken())) {
                return account; // already applied, or a fenced worker's late write: ignore it
            }
            List<String> history = account == null ? new ArrayList<>() : new ArrayList<>(account.history());
            history.add(context.sequence() + ":" + text);
            return new Account(context.sequence(), context.fencingToken(), List.copyOf(history));
        });
    }

    /** The accounts so far, by aggregate id. */
    Map<String, Account> accounts() {
        return Map.copyOf(accounts);
    }
}
