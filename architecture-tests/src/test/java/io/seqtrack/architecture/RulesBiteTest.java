package io.seqtrack.architecture;

import static io.seqtrack.architecture.LayeringRules.CORE_API_EXPOSES_NO_INFRASTRUCTURE;
import static io.seqtrack.architecture.LayeringRules.CORE_DEPENDS_ONLY_ON_THE_JDK;
import static io.seqtrack.architecture.LayeringRules.DRIVEN_PORTS_DO_NOT_KNOW_THE_INBOUND_PORT;
import static io.seqtrack.architecture.LayeringRules.HEXAGON;
import static io.seqtrack.architecture.LayeringRules.INTERNALS_STAY_IN_THEIR_MODULE;
import static io.seqtrack.architecture.LayeringRules.LIBRARIES_DO_NOT_USE_STANDARD_STREAMS;
import static io.seqtrack.architecture.LayeringRules.MODULES_ARE_FREE_OF_CYCLES;
import static io.seqtrack.architecture.LayeringRules.NOTHING_DEPENDS_ON_RUNNABLES_OR_THE_TCK;
import static io.seqtrack.architecture.LayeringRules.NO_FIELD_INJECTION;
import static io.seqtrack.architecture.LayeringRules.NO_GENERIC_EXCEPTIONS;
import static io.seqtrack.architecture.LayeringRules.NO_JAVA_UTIL_LOGGING;
import static io.seqtrack.architecture.LayeringRules.PACKAGES_ARE_FREE_OF_CYCLES;
import static io.seqtrack.architecture.LayeringRules.THE_PROCESSOR_USES_THE_STORE_THROUGH_THE_TRACKER;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.library.GeneralCodingRules;
import io.seqtrack.benchmarks.fixture.BenchmarkFixture;
import io.seqtrack.cli.fixture.CliComposingEverything;
import io.seqtrack.cli.fixture.CliFixture;
import io.seqtrack.core.domain.fixture.DomainHalfOfCycle;
import io.seqtrack.core.domain.fixture.DomainUsingStorePort;
import io.seqtrack.core.fixture.CoreExposingCaffeine;
import io.seqtrack.core.fixture.CoreExposingGuice;
import io.seqtrack.core.fixture.CoreExtendingGuice;
import io.seqtrack.core.fixture.CoreLeakingThroughTypeArguments;
import io.seqtrack.core.fixture.CoreThrowingRuntimeException;
import io.seqtrack.core.fixture.CoreUsingGuice;
import io.seqtrack.core.port.in.fixture.InboundPortUsingService;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.port.out.fixture.DrivenPortUsingInboundPort;
import io.seqtrack.core.registry.fixture.RegistryHalfOfCycle;
import io.seqtrack.core.registry.fixture.RegistryUsingService;
import io.seqtrack.core.service.SequenceTrackerService;
import io.seqtrack.examples.fixture.ExampleFixture;
import io.seqtrack.inmemory.fixture.InMemoryStoreFixture;
import io.seqtrack.inmemory.fixture.InMemoryUsingCli;
import io.seqtrack.inmemory.fixture.InMemoryUsingJul;
import io.seqtrack.inmemory.fixture.InMemoryUsingJulInline;
import io.seqtrack.inmemory.fixture.InMemoryUsingOwnInternals;
import io.seqtrack.inmemory.fixture.InMemoryUsingProcessor;
import io.seqtrack.inmemory.fixture.InMemoryUsingRedis;
import io.seqtrack.inmemory.fixture.InMemoryWithFieldInjection;
import io.seqtrack.inmemory.internal.fixture.InMemoryInternals;
import io.seqtrack.kafka.fixture.KafkaFixture;
import io.seqtrack.kafka.fixture.KafkaUsingInMemory;
import io.seqtrack.kafka.fixture.KafkaUsingProcessor;
import io.seqtrack.processor.fixture.ProcessorFixture;
import io.seqtrack.processor.fixture.ProcessorPrinting;
import io.seqtrack.processor.fixture.ProcessorUsingExamples;
import io.seqtrack.processor.fixture.ProcessorUsingInMemory;
import io.seqtrack.processor.fixture.ProcessorUsingKafka;
import io.seqtrack.processor.fixture.ProcessorUsingService;
import io.seqtrack.processor.fixture.ProcessorUsingTck;
import io.seqtrack.redis.fixture.RedisStoreFixture;
import io.seqtrack.redis.fixture.RedisUsingBenchmarks;
import io.seqtrack.redis.fixture.RedisUsingInMemory;
import io.seqtrack.redis.fixture.RedisUsingInMemoryInternals;
import io.seqtrack.streams.fixture.StreamsUsingRedis;
import io.seqtrack.tck.fixture.TckFixture;
import io.seqtrack.tck.fixture.TckUsingInMemory;
import io.seqtrack.util.fixture.UnplacedClass;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A rule that cannot fail is a defect: each rule of {@link LayeringRules} is evaluated on fixture classes (test
 * sources, so {@link ArchitectureTest} never sees them) that break it, and must report the fixture. A few controls
 * show that the rules do not fire on what the design allows.
 */
class RulesBiteTest {

    private static final Map<ArchRule, String> RULE_NAMES = ruleNames();

    /** The rule, the class that breaks it, and whatever else must be imported for the rule to see the break. */
    record Bite(ArchRule rule, Class<?> violator, List<Class<?>> alsoImported) {
        @Override
        public String toString() {
            return RULE_NAMES.get(rule) + " fails on " + violator.getSimpleName();
        }
    }

    static Stream<Bite> bites() {
        return Stream.of(
                bite(CORE_DEPENDS_ONLY_ON_THE_JDK, CoreUsingGuice.class),
                bite(CORE_DEPENDS_ONLY_ON_THE_JDK, CoreExposingCaffeine.class),

                bite(HEXAGON, DomainUsingStorePort.class, SequenceStore.class),
                bite(HEXAGON, RegistryUsingService.class, SequenceTrackerService.class),
                bite(HEXAGON, InboundPortUsingService.class, SequenceTrackerService.class),
                bite(HEXAGON, InMemoryUsingRedis.class, RedisStoreFixture.class),
                bite(HEXAGON, InMemoryUsingProcessor.class, ProcessorFixture.class),
                bite(HEXAGON, ProcessorUsingInMemory.class, InMemoryStoreFixture.class),
                bite(HEXAGON, TckUsingInMemory.class, InMemoryStoreFixture.class),
                bite(HEXAGON, ProcessorUsingTck.class, TckFixture.class),
                bite(HEXAGON, UnplacedClass.class),
                bite(HEXAGON, KafkaUsingInMemory.class, InMemoryStoreFixture.class),
                bite(HEXAGON, ProcessorUsingKafka.class, KafkaFixture.class),
                bite(HEXAGON, StreamsUsingRedis.class, RedisStoreFixture.class),

                bite(DRIVEN_PORTS_DO_NOT_KNOW_THE_INBOUND_PORT, DrivenPortUsingInboundPort.class),

                bite(NOTHING_DEPENDS_ON_RUNNABLES_OR_THE_TCK, InMemoryUsingCli.class, CliFixture.class),
                bite(NOTHING_DEPENDS_ON_RUNNABLES_OR_THE_TCK, ProcessorUsingExamples.class, ExampleFixture.class),
                bite(NOTHING_DEPENDS_ON_RUNNABLES_OR_THE_TCK, RedisUsingBenchmarks.class, BenchmarkFixture.class),
                bite(NOTHING_DEPENDS_ON_RUNNABLES_OR_THE_TCK, ProcessorUsingTck.class, TckFixture.class),

                bite(MODULES_ARE_FREE_OF_CYCLES, InMemoryUsingRedis.class,
                        RedisStoreFixture.class, RedisUsingInMemory.class, InMemoryStoreFixture.class),
                bite(PACKAGES_ARE_FREE_OF_CYCLES, DomainHalfOfCycle.class, RegistryHalfOfCycle.class),

                bite(CORE_API_EXPOSES_NO_INFRASTRUCTURE, CoreExposingGuice.class),
                bite(CORE_API_EXPOSES_NO_INFRASTRUCTURE, CoreExposingCaffeine.class),
                bite(CORE_API_EXPOSES_NO_INFRASTRUCTURE, CoreLeakingThroughTypeArguments.class),
                bite(CORE_API_EXPOSES_NO_INFRASTRUCTURE, CoreExtendingGuice.class),

                bite(INTERNALS_STAY_IN_THEIR_MODULE, RedisUsingInMemoryInternals.class, InMemoryInternals.class),
                bite(NO_JAVA_UTIL_LOGGING, InMemoryUsingJul.class),
                bite(NO_JAVA_UTIL_LOGGING, InMemoryUsingJulInline.class),
                bite(NO_GENERIC_EXCEPTIONS, CoreThrowingRuntimeException.class),
                bite(NO_FIELD_INJECTION, InMemoryWithFieldInjection.class),
                bite(LIBRARIES_DO_NOT_USE_STANDARD_STREAMS, ProcessorPrinting.class),
                bite(THE_PROCESSOR_USES_THE_STORE_THROUGH_THE_TRACKER,
                        io.seqtrack.processor.internal.fixture.InternalReadingTheStore.class, SequenceStore.class));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bites")
    void ruleReportsTheClassThatBreaksIt(Bite bite) {
        EvaluationResult result = evaluate(bite.rule(), bite.violator(), bite.alsoImported().toArray(Class<?>[]::new));

        assertThat(result.hasViolation()).as("%s has a violation", bite).isTrue();
        assertThat(String.join("\n", result.getFailureReport().getDetails()))
                .as("the failure report of %s", bite)
                .contains(bite.violator().getName());
    }

    @Test
    void everyRuleHasABite() {
        Set<String> bitten = bites().map(bite -> RULE_NAMES.get(bite.rule())).collect(Collectors.toSet());

        assertThat(bitten).containsExactlyInAnyOrderElementsOf(RULE_NAMES.values());
    }

    @Test
    void theRunnablesMayComposeEverythingAndPrint() {
        Class<?>[] wiring = {InMemoryStoreFixture.class, RedisStoreFixture.class, ProcessorFixture.class,
            SequenceTrackerService.class};

        assertNoViolation(HEXAGON, CliComposingEverything.class, wiring);
        assertNoViolation(NOTHING_DEPENDS_ON_RUNNABLES_OR_THE_TCK, CliComposingEverything.class, wiring);
        assertNoViolation(LIBRARIES_DO_NOT_USE_STANDARD_STREAMS, CliComposingEverything.class, wiring);
    }

    @Test
    void theProcessorMaySubscribeToTheStoresCommits() {
        assertNoViolation(THE_PROCESSOR_USES_THE_STORE_THROUGH_THE_TRACKER,
                io.seqtrack.processor.internal.fixture.InternalSubscribingToCommits.class, SequenceStore.class);
    }

    @Test
    void theProcessorMayDriveTheServiceOverTheStorePort() {
        assertNoViolation(HEXAGON, ProcessorUsingService.class, SequenceTrackerService.class, SequenceStore.class);
    }

    @Test
    void aBrokerAdapterMayFeedTheProcessor() {
        assertNoViolation(HEXAGON, KafkaUsingProcessor.class, ProcessorFixture.class);
    }

    @Test
    void aModuleMayUseItsOwnInternals() {
        assertNoViolation(INTERNALS_STAY_IN_THEIR_MODULE, InMemoryUsingOwnInternals.class, InMemoryInternals.class);
    }

    @Test
    void privateUseOfInfrastructureIsNotPartOfThePublicSignature() {
        assertNoViolation(CORE_API_EXPOSES_NO_INFRASTRUCTURE, CoreUsingGuice.class);
    }

    @Test
    void everyPlaceATypeCanHideInASignatureIsReported() {
        assertThat(details(CORE_API_EXPOSES_NO_INFRASTRUCTURE, CoreLeakingThroughTypeArguments.class))
                .contains("injector() exposes com.google.inject.Injector")
                .contains("register(java.util.List) exposes jakarta.inject.Provider")
                .contains("install(com.google.inject.Module) exposes com.google.inject.Module");
        assertThat(details(CORE_API_EXPOSES_NO_INFRASTRUCTURE, CoreExposingCaffeine.class))
                .contains("CoreExposingCaffeine.cache exposes com.github.benmanes.caffeine.cache.Cache")
                .contains("exposes com.github.benmanes.caffeine.cache.Caffeine");
        assertThat(details(CORE_API_EXPOSES_NO_INFRASTRUCTURE, CoreExtendingGuice.class))
                .contains("exposes com.google.inject.AbstractModule");
    }

    /** Why NO_JAVA_UTIL_LOGGING is not ArchUnit's own rule: that one only looks at fields of a logging type. */
    @Test
    void archUnitsOwnLoggingRuleMissesInlineUse() {
        assertNoViolation(GeneralCodingRules.NO_CLASSES_SHOULD_USE_JAVA_UTIL_LOGGING, InMemoryUsingJulInline.class);
    }

    /**
     * Why there are two cycle rules: {@code io.seqtrack.(*)..} makes one slice of each module, so it cannot see a
     * cycle between two packages of core; {@code io.seqtrack.(**)} makes one slice of each package and can.
     */
    @Test
    void onlyThePackageRuleSeesCyclesInsideOneModule() {
        assertNoViolation(MODULES_ARE_FREE_OF_CYCLES, DomainHalfOfCycle.class, RegistryHalfOfCycle.class);
        assertThat(details(PACKAGES_ARE_FREE_OF_CYCLES, DomainHalfOfCycle.class, RegistryHalfOfCycle.class))
                .contains("core.domain.fixture")
                .contains("core.registry.fixture");
    }

    private static Bite bite(ArchRule rule, Class<?> violator, Class<?>... alsoImported) {
        return new Bite(rule, violator, List.of(alsoImported));
    }

    private static EvaluationResult evaluate(ArchRule rule, Class<?> first, Class<?>... more) {
        Class<?>[] all = Stream.concat(Stream.of(first), Arrays.stream(more)).toArray(Class<?>[]::new);
        return rule.evaluate(new ClassFileImporter().importClasses(all));
    }

    private static String details(ArchRule rule, Class<?> first, Class<?>... more) {
        return String.join("\n", evaluate(rule, first, more).getFailureReport().getDetails());
    }

    private static void assertNoViolation(ArchRule rule, Class<?> first, Class<?>... more) {
        EvaluationResult result = evaluate(rule, first, more);
        assertThat(result.getFailureReport().getDetails()).as(rule.getDescription()).isEmpty();
    }

    /** Every public static ArchRule of {@link LayeringRules}, by field name. */
    private static Map<ArchRule, String> ruleNames() {
        Map<ArchRule, String> names = new IdentityHashMap<>();
        for (Field field : LayeringRules.class.getFields()) {
            if (Modifier.isStatic(field.getModifiers()) && ArchRule.class.isAssignableFrom(field.getType())) {
                try {
                    names.put((ArchRule) field.get(null), field.getName());
                } catch (IllegalAccessException e) {
                    throw new AssertionError("cannot read rule " + field.getName(), e);
                }
            }
        }
        return names;
    }
}
