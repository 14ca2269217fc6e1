package io.seqtrack.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.junit.ArchTests;
import io.seqtrack.core.port.in.SequenceTracker;
import io.seqtrack.core.port.out.SequenceStore;
import io.seqtrack.core.service.SequenceTrackerService;

/**
 * Applies every rule of {@link LayeringRules} to the production classes of all modules on the test classpath (as
 * jars from the local repository, or as {@code target/classes} inside a reactor build). Test classes, including the
 * fixtures of {@link RulesBiteTest}, are not imported.
 */
@AnalyzeClasses(packages = "io.seqtrack", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchTests LAYERING_RULES = ArchTests.in(LayeringRules.class);

    /** A rule over classes that were never imported passes vacuously: make sure each module really is there. */
    @ArchTest
    static void importsTheProductionClassesOfEveryModule(JavaClasses classes) {
        assertThat(classes.contain(SequenceStore.class)).as("tracker-core's SequenceStore is imported").isTrue();
        assertThat(classes.contain(SequenceTracker.class)).as("tracker-core's SequenceTracker is imported").isTrue();
        assertThat(classes.contain(SequenceTrackerService.class)).as("tracker-core's service is imported").isTrue();
        for (String corePackage : new String[] {
            LayeringRules.DOMAIN, LayeringRules.REGISTRY, LayeringRules.INBOUND_PORT, LayeringRules.DRIVEN_PORTS,
            LayeringRules.SERVICE}) {
            assertThat(classes.that(resideInAPackage(corePackage))).as("classes in %s", corePackage).isNotEmpty();
        }
        assertThat(classes.that(resideInAPackage(LayeringRules.TCK))).as("tracker-tck's classes").isNotEmpty();
        assertThat(classes.that(resideInAPackage(LayeringRules.IN_MEMORY))).as("tracker-inmemory's classes")
                .isNotEmpty();
        assertThat(classes.that(resideInAPackage(LayeringRules.KAFKA))).as("tracker-kafka's classes").isNotEmpty();
        assertThat(classes.that(resideInAPackage(LayeringRules.STREAMS))).as("tracker-streams's classes").isNotEmpty();
    }

    @ArchTest
    static void importsNoTestClasses(JavaClasses classes) {
        assertThat(classes.that(resideInAnyPackage("io.seqtrack.architecture..", "..fixture..")))
                .extracting(JavaClass::getName)
                .as("test classes and rule fixtures must not be imported")
                .isEmpty();
    }
}
