package io.seqtrack.core.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The exception hierarchy: one root, typed accessors, messages that name what is involved. */
class ExceptionsTest {

    private static final AggregateKey KEY = AggregateKey.of("user_account", "u-1");

    @Test
    void everyExceptionHasTheOneRoot() {
        List<SequenceTrackingException> all = List.of(
                DuplicateEventException.of(KEY, 3, 5),
                OutOfOrderEventException.of(KEY, 6, 9),
                InvalidEventException.of("sequence", "is missing"),
                InvalidConfigurationException.of("chat.leaseTtl", "must be positive"),
                UnknownDomainException.of("nope", List.of("chat")),
                SequenceStoreException.of("advance", KEY, new IllegalStateException("down")),
                SequenceStoreException.of("advance batch of 2", new IllegalStateException("down")),
                SequenceStoreException.corrupted(KEY, "last committed is 'abc'"));
        assertThat(all).allSatisfy(e -> assertThat(e).isInstanceOf(RuntimeException.class).hasMessageContaining(" "));
    }

    @Test
    void duplicateEventException() {
        DuplicateEventException e = DuplicateEventException.of(KEY, 3, 5);
        assertThat(e.key()).isEqualTo(KEY);
        assertThat(e.sequence()).isEqualTo(3);
        assertThat(e.lastCommitted()).isEqualTo(5);
        assertThat(e).hasMessageContaining("user_account/u-1").hasMessageContaining("3").hasMessageContaining("5");
    }

    @Test
    void outOfOrderEventException() {
        OutOfOrderEventException e = OutOfOrderEventException.of(KEY, 6, 9);
        assertThat(e.key()).isEqualTo(KEY);
        assertThat(e.expected()).isEqualTo(6);
        assertThat(e.actual()).isEqualTo(9);
        assertThat(e).hasMessage("out-of-order event: user_account/u-1 expected sequence 6 but got 9");
    }

    @Test
    void invalidEventAndConfigurationExceptionsNameTheField() {
        InvalidEventException event = InvalidEventException.of("aggregateId", "is blank");
        assertThat(event.field()).isEqualTo("aggregateId");
        assertThat(event).hasMessage("invalid event: aggregateId is blank");

        InvalidConfigurationException config = InvalidConfigurationException.of("chat.leaseTtl", "must be positive");
        assertThat(config.field()).isEqualTo("chat.leaseTtl");
        assertThat(config).hasMessage("invalid configuration: chat.leaseTtl must be positive");

        assertThatNullPointerException().isThrownBy(() -> InvalidEventException.of(null, "x"));
        assertThatNullPointerException().isThrownBy(() -> InvalidConfigurationException.of(null, "x"));
    }

    @Test
    void unknownDomainExceptionListsTheRegisteredDomains() {
        UnknownDomainException e = UnknownDomainException.of("user_acount", List.of("user_account", "company"));
        assertThat(e.domain()).isEqualTo("user_acount");
        assertThat(e).hasMessageContaining("'user_acount'").hasMessageContaining("[user_account, company]");
    }

    @Test
    void storeExceptionNamesOperationAggregateAndCause() {
        IllegalStateException cause = new IllegalStateException("connection refused");
        SequenceStoreException e = SequenceStoreException.of("claim", KEY, cause);
        assertThat(e.key()).contains(KEY);
        assertThat(e).hasCause(cause)
                .hasMessageContaining("claim")
                .hasMessageContaining("user_account/u-1")
                .hasMessageContaining("outcome unknown")
                .hasMessageContaining("IllegalStateException: connection refused");

        SequenceStoreException noMessage = SequenceStoreException.of("read", KEY, new RuntimeException());
        assertThat(noMessage).hasMessageEndingWith("RuntimeException");

        SequenceStoreException noCause = SequenceStoreException.of("read", KEY, null);
        assertThat(noCause).hasMessageContaining("no cause given").hasNoCause();
    }

    @Test
    void storeExceptionWithoutAggregate() {
        SequenceStoreException e = SequenceStoreException.of("advance batch of 64", new IllegalStateException("timeout"));
        assertThat(e.key()).isEmpty();
        assertThat(e).hasMessageContaining("advance batch of 64").hasMessageContaining("timeout");
    }

    @Test
    void corruptedStateIsReportedWithTheValueFound() {
        SequenceStoreException e = SequenceStoreException.corrupted(KEY, "last committed is 'abc', not a number");
        assertThat(e.key()).contains(KEY);
        assertThat(e).hasNoCause()
                .hasMessage("corrupted state for user_account/u-1: last committed is 'abc', not a number");
    }
}
