package io.seqtrack.benchmarks.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void parsesNestedValuesEscapesAndNumbers() {
        Object v = Json.parse(" { \"a\" : [1, -2.5e3, true, false, null, \"x\\\"y\\\\z\\/\\u00e9\\n\"], \"b\" : {} , \"c\":[] } ");
        Map<String, Object> m = Json.object(v);
        assertThat(Json.array(m.get("a"))).containsExactly(1.0, -2500.0, true, false, null, "x\"y\\z/é\n");
        assertThat(Json.object(m.get("b"))).isEmpty();
        assertThat(Json.array(m.get("c"))).isEmpty();
    }

    @Test
    void numberAcceptsJmhNaNStrings() {
        assertThat(Json.number("NaN")).isNaN();
        assertThat(Json.number(3.0)).isEqualTo(3.0);
        assertThat(Json.number("1.5")).isEqualTo(1.5);
        assertThat(Json.number(null)).isNaN();
    }

    @Test
    void rejectsMalformedInputWithTheOffset() {
        assertThatThrownBy(() -> Json.parse("[1, 2")).hasMessageContaining("offset");
        assertThatThrownBy(() -> Json.parse("{\"a\" 1}")).hasMessageContaining("expected ':'");
        assertThatThrownBy(() -> Json.parse("[1] x")).hasMessageContaining("trailing");
        assertThat(Json.array(Json.parse("[]"))).isEqualTo(List.of());
    }
}
