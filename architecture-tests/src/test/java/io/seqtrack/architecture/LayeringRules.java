package io.seqtrack.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.alwaysTrue;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.conditions.ArchConditions.onlyHaveDependenciesWhere;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.onionArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import com.tngtech.archunit.library.GeneralCodingRules;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The architecture of DESIGN.md as ArchUnit rules. Each field is one sentence of the design; {@link ArchitectureTest}
 * runs all of them over the production classes, and {@link RulesBiteTest} shows that each one fails on a class that
 * breaks it.
 *
 * <pre>
 *   domain, registry  ←  port.in, port.out  ←  service  ←  inmemory, redis, processor, tck  ←  cli, examples, benchmarks
 *   (domain model)       (ports)               (application service)   (adapters)            (runnables: compose anything)
 *                                                                        processor ← kafka, streams (broker adapters feed
 *                                                                                           the processor, never a store)
 * </pre>
 *
 * Modules that do not exist yet (redis, processor, cli, benchmarks) are named here already, so their rules hold from
 * their first class on; rules that would otherwise fail on zero classes allow an empty selection.
 */
public final class LayeringRules {

    static final String SEQTRACK = "io.seqtrack..";

    static final String CORE = "io.seqtrack.core..";
    static final String DOMAIN = "io.seqtrack.core.domain..";
    static final String REGISTRY = "io.seqtrack.core.registry..";
    static final String INBOUND_PORT = "io.seqtrack.core.port.in..";
    static final String DRIVEN_PORTS = "io.seqtrack.core.port.out..";
    static final String SERVICE = "io.seqtrack.core.service..";

    static final String IN_MEMORY = "io.seqtrack.inmemory..";
    static final String REDIS = "io.seqtrack.redis..";
    static final String PROCESSOR = "io.seqtrack.processor..";
    static final String TCK = "io.seqtrack.tck..";
    /** Broker adapters: they sit above the processor and feed it from a broker. */
    static final String KAFKA = "io.seqtrack.kafka..";
    static final String STREAMS = "io.seqtrack.streams..";

    static final String CLI = "io.seqtrack.cli..";
    static final String EXAMPLES = "io.seqtrack.examples..";
    static final String BENCHMARKS = "io.seqtrack.benchmarks..";

    /** Programs people run: they wire everything together, so they may depend on anything and nothing on them. */
    static final String[] RUNNABLES = {CLI, EXAMPLES, BENCHMARKS};

    /** Libraries whose types must stay behind the adapters: drivers, caches and DI containers. */
    static final String[] INFRASTRUCTURE = {
        "io.lettuce..", "com.github.benmanes..", "com.google.inject..", "jakarta.inject..", "javax.inject.."
    };

    private LayeringRules() {
    }

    /** {@code core} depends on nothing outside {@code java..}. */
    @ArchTest
    public static final ArchRule CORE_DEPENDS_ONLY_ON_THE_JDK = classes()
            .that().resideInAPackage(CORE)
            .should().onlyDependOnClassesThat().resideInAnyPackage("java..", CORE)
            .because("tracker-core is the pure domain and its ports: it depends on the JDK only (DESIGN.md)");

    /**
     * The hexagon, as an onion: the domain model (domain, registry) is the centre; the ports may use only the domain
     * model; the application service may use ports and domain model and nothing in core uses it; each adapter (the
     * stores, the processor that drives the inbound port, the TCK that drives store adapters) may use all of core
     * but no other adapter — except that a broker adapter (kafka, streams) drives the processor, which is what it is for. The
     * runnables compose adapters, so their own dependencies are not checked here (see
     * {@link #NOTHING_DEPENDS_ON_RUNNABLES_OR_THE_TCK} for the other direction). Every other class must sit in one of
     * the rings, so a new top-level package cannot slip past these rules unnoticed.
     *
     * <p>The ports form one ring, so that {@code port.in} may name the results of {@code port.out};
     * {@link #DRIVEN_PORTS_DO_NOT_KNOW_THE_INBOUND_PORT} forbids the other direction.
     */
    @ArchTest
    public static final ArchRule HEXAGON = onionArchitecture()
            .domainModels(DOMAIN, REGISTRY)
            .domainServices(INBOUND_PORT, DRIVEN_PORTS)
            .applicationServices(SERVICE)
            .adapter("in-memory store", IN_MEMORY)
            .adapter("redis store", REDIS)
            .adapter("event processor", PROCESSOR)
            .adapter("store contract suite", TCK)
            .adapter("kafka inbound adapter", KAFKA)
            .adapter("redis streams inbound adapter", STREAMS)
            .ignoreDependency(resideInAnyPackage(RUNNABLES).as("a runnable"), alwaysTrue().as("anything"))
            .ignoreDependency(resideInAnyPackage(KAFKA, STREAMS).as("a broker adapter"),
                    resideInAnyPackage(PROCESSOR).as("the event processor it feeds"))
            .ensureAllClassesAreContainedInArchitectureIgnoring(RUNNABLES)
            .withOptionalLayers(true)
            .because("core ← inmemory, redis, processor ← cli; adapters never depend on each other or on the "
                    + "processor, and the processor never depends on an adapter (DESIGN.md); broker adapters sit "
                    + "above the processor and never know a store adapter");

    /** The SPI adapter authors implement knows nothing of the use case that calls it. */
    @ArchTest
    public static final ArchRule DRIVEN_PORTS_DO_NOT_KNOW_THE_INBOUND_PORT = noClasses()
            .that().resideInAPackage(DRIVEN_PORTS)
            .should().dependOnClassesThat().resideInAnyPackage(INBOUND_PORT, SERVICE)
            .because("an adapter author implementing SequenceStore must not need the tracker's use case");

    /**
     * The CLI, the examples, the benchmarks and the TCK are leaves: each may use its own classes, nothing else may use
     * them.
     */
    @ArchTest
    public static final ArchRule NOTHING_DEPENDS_ON_RUNNABLES_OR_THE_TCK = CompositeArchRule
            .of(nothingElseDependsOn(CLI, "the CLI is a program, not a library"))
            .and(nothingElseDependsOn(EXAMPLES, "examples show how to use seqtrack; nothing builds on them"))
            .and(nothingElseDependsOn(BENCHMARKS, "benchmarks measure seqtrack; nothing builds on them"))
            .and(nothingElseDependsOn(TCK, "the TCK is test support: adapters use it in their tests only"))
            .as("nothing but themselves depends on the CLI, the examples, the benchmarks or the TCK");

    /** No cycles between modules (core, inmemory, redis, processor, tck, cli, ...). */
    @ArchTest
    public static final ArchRule MODULES_ARE_FREE_OF_CYCLES = slices()
            .matching("io.seqtrack.(*)..").namingSlices("module '$1'")
            .should().beFreeOfCycles()
            .because("Maven forbids cycles between modules; the packages should say the same");

    /**
     * No cycles between any two packages, e.g. {@code core.domain} and {@code core.registry}. The module rule cannot see
     * these: {@code io.seqtrack.(*)..} puts all of core into one slice. A package and its {@code internal} subpackages
     * are one slice: the internals implement the package's public API, and the package's builders make them (issue 12:
     * the processor's API in {@code io.seqtrack.processor}, its implementation in {@code io.seqtrack.processor.internal});
     * other modules cannot reach the internals at all ({@link #INTERNALS_STAY_IN_THEIR_MODULE}).
     */
    @ArchTest
    public static final ArchRule PACKAGES_ARE_FREE_OF_CYCLES = slices()
            .assignedFrom(new PackagesWithTheirInternals())
            .should().beFreeOfCycles()
            .because("a package cycle makes two packages one; within core it would blur the rings of the hexagon");

    /**
     * Core's public API (supertypes, public and protected fields, methods and constructors, their generic type
     * arguments, bounds, throws clauses and annotations) never names a driver, cache or DI type. Core may not depend on
     * them at all ({@link #CORE_DEPENDS_ONLY_ON_THE_JDK}); this rule says why with a sharper message, and stays true
     * if core's dependencies are ever relaxed for its internals.
     */
    @ArchTest
    public static final ArchRule CORE_API_EXPOSES_NO_INFRASTRUCTURE = classes()
            .that().resideInAPackage(CORE).and().arePublic()
            .should(PublicSignatures.exposeNoTypeThat(
                    resideInAnyPackage(INFRASTRUCTURE).as("is a Lettuce, Caffeine, Guice or javax/jakarta.inject type")))
            .because("callers of tracker-core must never need Redis, Caffeine or Guice on their classpath");

    /**
     * An {@code internal} package is an implementation detail of its module: other modules use the module's public
     * API.
     */
    @ArchTest
    public static final ArchRule INTERNALS_STAY_IN_THEIR_MODULE = classes()
            .that().resideInAPackage(SEQTRACK)
            .should(onlyHaveDependenciesWhere(notOnInternalsOfAnotherModule()))
            .because("implementations are package-private or in internal packages; only their module uses them "
                    + "(DESIGN.md)");

    /**
     * Logging goes through whatever the application uses, never {@code java.util.logging}. Stricter than
     * {@link GeneralCodingRules#NO_CLASSES_SHOULD_USE_JAVA_UTIL_LOGGING}, which only catches a class that assigns a
     * field of a {@code java.util.logging} type and misses {@code Logger.getLogger(..).info(..)} inline.
     */
    @ArchTest
    public static final ArchRule NO_JAVA_UTIL_LOGGING = noClasses()
            .should().dependOnClassesThat().resideInAPackage("java.util.logging..")
            .as("no classes should use java.util.logging")
            .because("a library must not pick the application's logging backend");

    /** Failures are {@code SequenceTrackingException}s or specific JDK exceptions, never bare {@code RuntimeException}. */
    @ArchTest
    public static final ArchRule NO_GENERIC_EXCEPTIONS = GeneralCodingRules.NO_CLASSES_SHOULD_THROW_GENERIC_EXCEPTIONS
            .because("one root SequenceTrackingException; every failure names what was involved (DESIGN.md)");

    /** Guice modules bind through constructors, so every class can also be built by hand and in tests. */
    @ArchTest
    public static final ArchRule NO_FIELD_INJECTION = GeneralCodingRules.NO_CLASSES_SHOULD_USE_FIELD_INJECTION;

    /**
     * The processor's implementation reads and writes the store only through the tracker ({@code SequenceTracker}),
     * so the 0/1-based shift of ADR 0001 and the translation of store failures stay in core (issue 12). It may
     * subscribe to the store's commit notifications, which are hints, not reads.
     */
    @ArchTest
    public static final ArchRule THE_PROCESSOR_USES_THE_STORE_THROUGH_THE_TRACKER = noClasses()
            .that().resideInAPackage("io.seqtrack.processor.internal..")
            .should().callMethodWhere(DescribedPredicate.describe("a SequenceStore operation other than "
                    + "subscribeCommits", call -> call.getTarget().getOwner()
                    .isAssignableTo("io.seqtrack.core.port.out.SequenceStore")
                    && !call.getTarget().getName().equals("subscribeCommits")))
            .because("store numbering and failure translation live in the tracker (ADR 0001, issue 12)");

    /** Libraries never print; only the runnables own the console. */
    @ArchTest
    public static final ArchRule LIBRARIES_DO_NOT_USE_STANDARD_STREAMS = noClasses()
            .that().resideOutsideOfPackages(RUNNABLES)
            .should(GeneralCodingRules.ACCESS_STANDARD_STREAMS)
            .because("a library reports through results, exceptions, listeners and metrics; printing is the job of "
                    + "the CLI, the examples and the benchmarks");

    private static ArchRule nothingElseDependsOn(String packageIdentifier, String reason) {
        return noClasses()
                .that().resideOutsideOfPackage(packageIdentifier)
                .should().dependOnClassesThat().resideInAPackage(packageIdentifier)
                .because(reason);
    }

    /** {@code io.seqtrack.<module>.…internal…}: group 1 is the module. */
    private static final Pattern INTERNAL_PACKAGE = Pattern.compile("io\\.seqtrack\\.([^.]+)(?:\\..+)?\\.internal(?:\\..+)?");

    private static final Pattern MODULE_PACKAGE = Pattern.compile("io\\.seqtrack\\.([^.]+).*");

    private static DescribedPredicate<Dependency> notOnInternalsOfAnotherModule() {
        return DescribedPredicate.describe("the target is not in an internal package of another module", dependency -> {
            Optional<String> targetModule = moduleOf(dependency.getTargetClass(), INTERNAL_PACKAGE);
            return targetModule.isEmpty()
                    || targetModule.equals(moduleOf(dependency.getOriginClass(), MODULE_PACKAGE));
        });
    }

    private static Optional<String> moduleOf(JavaClass javaClass, Pattern packagePattern) {
        Matcher matcher = packagePattern.matcher(javaClass.getPackageName());
        return matcher.matches() ? Optional.of(matcher.group(1)) : Optional.empty();
    }
}
