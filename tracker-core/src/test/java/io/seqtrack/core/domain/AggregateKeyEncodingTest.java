package io.seqtrack.core.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** An unpaired surrogate has no UTF-8 form: "\uD800" and "?" would become the same store key. Rejected by name. */
class AggregateKeyEncodingTest {

    @Test
    void unpairedSurrogatesAreRejectedBecauseTheyWouldCollideInAStore() {
        assertThat("\uD800".getBytes(StandardCharsets.UTF_8)).isEqualTo("?".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> AggregateKey.of("user_account", "a\uD800b"))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("aggregateId")
                .hasMessageContaining("unpaired UTF-16 surrogate at index 1");
        assertThatThrownBy(() -> AggregateKey.of("user_account", "\uDC00"))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("index 0");
        assertThatThrownBy(() -> AggregateKey.of("dom\uD83D", "x"))
                .isInstanceOf(InvalidEventException.class).hasMessageContaining("domain");
        assertThat(AggregateKey.of("user_account", "emoji-🙂-ok").aggregateId()).isEqualTo("emoji-🙂-ok");
    }
}
