package io.seqtrack.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.seqtrack.core.domain.AggregateKey;
import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.domain.InvalidEventException;
import io.seqtrack.core.domain.SequenceTrackingException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.UnknownDomainException;
import io.seqtrack.core.port.in.SequenceTracker;
import io.seqtrack.core.port.in.TrackedEvent;
import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import io.seqtrack.core.registry.SequenceSource;
import io.seqtrack.core.service.SequenceTrackerService;
import io.seqtrack.inmemory.InMemorySequenceStore;
import io.seqtrack.processor.config.RegistryFileException;
import io.seqtrack.processor.config.RegistryLoader;
import io.seqtrack.redis.testsupport.RedisProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A corpus of bad input through the public API, through {@code replay} lines and through registry files. Each gives a
 * typed error that names the problem, and the store is unchanged afterwards (checked).
 */
@Timeout(120)
class BadInputCorpusTest {

    private static final DomainRegistry REGISTRY = DomainRegistry.of(
            DomainRegistration.builder("user_account").build(),
            DomainRegistration.builder("zero_based").firstSequence(0).build(),
            DomainRegistration.builder("versioned").sequenceSource(SequenceSource.AGGREGATE_VERSION).build(),
            DomainRegistration.builder("chat").mode(TrackingMode.DISABLED).build());

    private record Bad(String domain, String id, OptionalLong sequence, OptionalLong version) implements TrackedEvent {
        @Override
        public String domain() {
            return domain;
        }

        @Override
        public String aggregateId() {
            return id;
        }

        @Override
        public OptionalLong sequence() {
            return sequence;
        }

        @Override
        public OptionalLong aggregateVersion() {
            return version;
        }
    }

    private static Arguments api(String name, String domain, String id, Long seq, Long version,
            Class<? extends SequenceTrackingException> type, String mentions) {
        return Arguments.of(name, new Bad(domain, id, seq == null ? OptionalLong.empty() : OptionalLong.of(seq),
                version == null ? OptionalLong.empty() : OptionalLong.of(version)), type, mentions);
    }

    static Stream<Arguments> apiCorpus() {
        return Stream.of(
                api("null domain", null, "u-1", 1L, null, InvalidEventException.class, "domain"),
                api("blank domain", "  ", "u-1", 1L, null, InvalidEventException.class, "domain"),
                api("oversized domain", "d".repeat(65), "u-1", 1L, null, InvalidEventException.class, "domain"),
                api("unknown domain", "no_such_domain", "u-1", 1L, null, UnknownDomainException.class, "no_such_domain"),
                api("domain with a brace", "{user_account}", "u-1", 1L, null, UnknownDomainException.class, "{user_account}"),
                api("null id", "user_account", null, 1L, null, InvalidEventException.class, "aggregateId"),
                api("blank id", "user_account", " \t ", 1L, null, InvalidEventException.class, "aggregateId"),
                api("oversized id", "user_account", "x".repeat(1025), 1L, null, InvalidEventException.class, "aggregateId"),
                api("unpaired surrogate id", "user_account", "u\uD800", 1L, null, InvalidEventException.class, "surrogate"),
                api("missing sequence", "user_account", "u-1", null, null, InvalidEventException.class, "sequence"),
                api("zero sequence", "user_account", "u-1", 0L, null, InvalidEventException.class, "first sequence"),
                api("negative sequence", "user_account", "u-1", -1L, null, InvalidEventException.class, "negative"),
                api("Long.MIN_VALUE sequence", "user_account", "u-1", Long.MIN_VALUE, null, InvalidEventException.class,
                        "negative"),
                api("overflowing sequence", "zero_based", "z-1", Long.MAX_VALUE, null, InvalidEventException.class,
                        "overflows"),
                api("version domain without version", "versioned", "v-1", 5L, null, InvalidEventException.class,
                        "aggregateVersion"),
                api("negative version", "versioned", "v-1", null, -3L, InvalidEventException.class, "aggregateVersion"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("apiCorpus")
    void theApiRejectsBadEventsByNameAndChangesNothing(String name, TrackedEvent event,
            Class<? extends SequenceTrackingException> type, String mentions) {
        InMemorySequenceStore store = InMemorySequenceStore.create();
        SequenceTracker tracker = new SequenceTrackerService(REGISTRY, store);
        tracker.advance(TrackedEvent.of("user_account", "u-1", 1)); // some state that must survive untouched
        assertThatThrownBy(() -> tracker.advance(event)).as(name).isInstanceOf(type).hasMessageContaining(mentions);
        assertThatThrownBy(() -> tracker.claim(event, "w1")).as(name).isInstanceOf(type);
        assertThat(store.estimatedSize()).as("nothing created").isEqualTo(1);
        assertThat(store.read(AggregateKey.of("user_account", "u-1")).lastCommitted()).as("nothing advanced").isEqualTo(1);
        assertThat(store.read(AggregateKey.of("user_account", "u-1")).claim()).as("nothing claimed").isEmpty();
    }

    static Stream<Arguments> lineCorpus() {
        return Stream.of(
                Arguments.of("{", "malformed JSON"),
                Arguments.of("[1,2]", "not a JSON object"),
                Arguments.of("\"just a string\"", "not a JSON object"),
                Arguments.of("42", "not a JSON object"),
                Arguments.of("{}", "domain"),
                Arguments.of("{\"domain\":5,\"aggregateId\":\"u\",\"sequence\":1}", "domain"),
                Arguments.of("{\"domain\":\"user_account\",\"sequence\":1}", "aggregateId"),
                Arguments.of("{\"domain\":\"user_account\",\"aggregateId\":[1],\"sequence\":1}", "aggregateId"),
                Arguments.of("{\"domain\":\"user_account\",\"aggregateId\":\"u\",\"sequence\":\"1\"}", "sequence"),
                Arguments.of("{\"domain\":\"user_account\",\"aggregateId\":\"u\",\"sequence\":1.5}", "sequence"),
                Arguments.of("{\"domain\":\"user_account\",\"aggregateId\":\"u\",\"sequence\":1e30}", "sequence"),
                Arguments.of("{\"domain\":\"user_account\",\"aggregateId\":\"u\",\"sequence\":99999999999999999999}",
                        "sequence"),
                Arguments.of("{\"domain\":\"user_account\",\"aggregateId\":\"u\",\"sequence\":true}", "sequence"),
                Arguments.of("{\"domain\":\"user_account\",\"aggregateId\":\"u\"}", "sequence"),
                Arguments.of("{\"domain\":\"user_account\",\"aggregateId\":\"u\",\"sequence\":0}", "sequence"),
                Arguments.of("{\"domain\":\"user_account\",\"aggregateId\":\"u\",\"sequence\":-7}", "sequence"),
                Arguments.of("{\"domain\":\"no_such\",\"aggregateId\":\"u\",\"sequence\":1}", "no_such"),
                Arguments.of("{\"domain\":\"user_account\",\"aggregateId\":\"  \",\"sequence\":1}", "aggregateId"),
                Arguments.of("{\"domain\":\"user_account\",\"aggregateId\":\"u\",\"sequence\":1,\"eventId\":7}", "eventId"),
                Arguments.of("{\"domain\":\"user_account\",\"aggregateId\":\"u\",\"sequence\":1,\"type\":{}}", "type"));
    }

    /** Every bad line is rejected with its line number and a message naming the problem; Redis stays empty. */
    @Test
    void replayRejectsEveryBadLineByNumberAndLeavesTheStoreUntouched(@TempDir Path dir) throws Exception {
        List<String> lines = new ArrayList<>();
        List<String> mentions = new ArrayList<>();
        lineCorpus().forEach(a -> {
            lines.add((String) a.get()[0]);
            mentions.add((String) a.get()[1]);
        });
        Path events = dir.resolve("bad.jsonl");
        Files.write(events, lines);
        try (RedisProcess redis = RedisProcess.start()) {
            ReplayTestSupport.Outputs outputs = ReplayTestSupport.Outputs.in(dir);
            ReplayTestSupport.Result result = ReplayTestSupport.replay(events, outputs, "--store", redis.uri());
            assertThat(result.exitCode()).as(result.err()).isZero();
            List<JsonNode> rejected = outputs.rejectedLines();
            assertThat(rejected).hasSize(lines.size());
            for (int i = 0; i < lines.size(); i++) {
                JsonNode r = rejected.get(i);
                assertThat(r.get("line").asLong()).isEqualTo(i + 1);
                assertThat(r.get("error").asText()).as("line %d: %s", i + 1, lines.get(i)).containsIgnoringCase(mentions.get(i));
            }
            assertThat(outputs.processedLines()).isEmpty();
            assertThat(redis.cli("--scan")).as("nothing written to Redis but the layout record of the prefix")
                    .isEqualTo(StoreOptions.DEFAULT_KEY_PREFIX + ":layout");
        }
    }

    static Stream<Arguments> registryCorpus() {
        return Stream.of(
                Arguments.of("domains:\n  user_account:\n    mode: sometimes\n", "mode"),
                Arguments.of("domains:\n  user_account:\n    leaseTtl: -5s\n", "leaseTtl"),
                Arguments.of("domains:\n  user_account:\n    firstSequence: 2\n", "firstSequence"),
                Arguments.of("domains:\n  user_account: {}\n  user_account: {}\n", "user_account"),
                Arguments.of("domains:\n  user_account:\n    leaseTTL: 5s\n", "leaseTTL"),
                Arguments.of("domains:\n  UserAccount: {}\n", "UserAccount"),
                Arguments.of("domains:\n  user_account:\n    retry:\n      jitter: 2\n", "jitter"),
                Arguments.of("domains: [1, 2]\n", "domains"),
                Arguments.of("domains:\n  user_account:\n    gapTimeout: soon\n", "gapTimeout"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("registryCorpus")
    void aBadRegistryFileIsRejectedWithFileLineAndField(String yaml, String mentions, @TempDir Path dir) throws Exception {
        Path file = dir.resolve("domains.yaml");
        Files.writeString(file, yaml);
        assertThatThrownBy(() -> RegistryLoader.load(file)).isInstanceOf(RegistryFileException.class)
                .hasMessageContaining("domains.yaml:").hasMessageContaining(mentions)
                .satisfies(e -> assertThat(((RegistryFileException) e).line()).isPositive());
    }

    @Test
    void badBuilderValuesAreTypedConfigurationErrors() {
        assertThatThrownBy(() -> DomainRegistration.builder("user_account").maxBufferedPerAggregate(0))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("maxBufferedPerAggregate");
        assertThatThrownBy(() -> DomainRegistry.of(DomainRegistration.builder("a").build(),
                DomainRegistration.builder("a").build())).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("'a' twice");
    }

    /** Not bad input: ids with separators, braces, percent, newline, NUL and non-ASCII are tracked independently. */
    @Test
    void unusualButValidIdsAreAcceptedAndKeptApart() {
        InMemorySequenceStore store = InMemorySequenceStore.create();
        SequenceTracker tracker = new SequenceTrackerService(REGISTRY, store);
        List<String> ids = List.of("a:b", "a%3Ab", "{a}", "a b", "line\nbreak", "nul\0id", "ünï-日本-🙂");
        for (int i = 0; i < ids.size(); i++) {
            for (long seq = 1; seq <= i + 1; seq++) {
                tracker.advance(TrackedEvent.of("user_account", ids.get(i), seq));
            }
        }
        for (int i = 0; i < ids.size(); i++) {
            assertThat(tracker.lastCommitted(AggregateKey.of("user_account", ids.get(i)))).isEqualTo(i + 1);
        }
    }
}
