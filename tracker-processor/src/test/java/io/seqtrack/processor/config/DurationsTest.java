package io.seqtrack.processor.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
            "500ms, PT0.5S",
            "30s, PT30S",
            "5m, PT5M",
            "1h, PT1H",
            "0s, PT0S",
            "-1s, PT-1S",
            "+2s, PT2S",
            "90m, PT1H30M",
            "PT30S, PT30S",
            "pt0.25s, PT0.25S",
            "P1D, PT24H",
            "-PT1S, PT-1S",
    })
    void readsShortAndIsoForms(String text, String expected) {
        assertThat(Durations.parse(text)).contains(Duration.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "30", "30 s", "30sec", "1.5s", "5M", "1d", "s", "PT", "P1Y", "forever",
            "99999999999999999999h", "9999999999999999h"})
    void rejectsEverythingElse(String text) {
        assertThat(Durations.parse(text)).isEmpty();
    }
}
