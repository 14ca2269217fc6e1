package io.seqtrack.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./tracker} launcher rebuilds {@code tracker.jar} when it is missing, when asked, and when a source or pom
 * of a module the jar is made of is newer than the jar — never for changes elsewhere. Runs the real script in a copy of
 * the repository's layout, with stubs for {@code mvnw} and {@code java} that only record that they were called, and
 * file times set explicitly (no waiting).
 */
class LauncherRebuildTest {

    private static final Instant BUILT = Instant.parse("2026-01-01T12:00:00Z");

    @TempDir
    Path repo;

    private Path calls;
    private Path jar;

    @BeforeEach
    void copyTheLauncherIntoAFakeRepository() throws IOException {
        calls = repo.resolve("calls.log");
        jar = repo.resolve("tracker-cli/target/tracker.jar");
        Files.copy(Path.of("..", "tracker"), repo.resolve("tracker"));
        executable(repo.resolve("mvnw"), "#!/usr/bin/env bash\n"
                + "echo \"mvnw $*\" >> '" + calls + "'\n"
                + "mkdir -p tracker-cli/target && touch tracker-cli/target/tracker.jar\n");
        executable(repo.resolve("bin/java"), "#!/usr/bin/env bash\necho \"java $*\" >> '" + calls + "'\n");
        for (String module : List.of("tracker-core", "tracker-inmemory", "tracker-redis", "tracker-processor",
                "tracker-cli", "tracker-benchmarks")) {
            write(repo.resolve(module + "/pom.xml"), BUILT.minusSeconds(60));
            write(repo.resolve(module + "/src/main/java/io/seqtrack/A.java"), BUILT.minusSeconds(60));
        }
        write(repo.resolve("pom.xml"), BUILT.minusSeconds(60));
        write(repo.resolve("docs/processor.md"), BUILT.minusSeconds(60));
        // folders count too (a deleted source changes only its folder): all of them older than the jar
        try (java.util.stream.Stream<Path> tree = Files.walk(repo)) {
            for (Path folder : tree.filter(Files::isDirectory).toList()) {
                Files.setLastModifiedTime(folder, FileTime.from(BUILT.minusSeconds(60)));
            }
        }
    }

    @Test
    void buildsWhenTheJarIsMissing_thenRunsIt() throws Exception {
        assertThat(launch("simulate", "--seed", "7")).containsExactly(
                "mvnw -q -B -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -pl tracker-cli -am package",
                "java -jar " + jar + " simulate --seed 7");
    }

    @Test
    void doesNotBuildWhenTheJarIsNewerThanEverySource() throws Exception {
        write(jar, BUILT);
        assertThat(launch("-V")).containsExactly("java -jar " + jar + " -V");
    }

    @Test
    void rebuildsWhenASourceOfAModuleItNeedsChanged() throws Exception {
        for (String changed : List.of("tracker-processor/src/main/java/io/seqtrack/A.java",
                "tracker-core/src/main/resources/new.properties", "tracker-redis/pom.xml", "pom.xml")) {
            write(jar, BUILT);
            write(repo.resolve(changed), BUILT.plusSeconds(10));
            assertThat(launch()).as("after a change to %s", changed).hasSize(2).first().asString().startsWith("mvnw ");
            write(repo.resolve(changed), BUILT.minusSeconds(60));
            Files.delete(calls);
        }
    }

    @Test
    void rebuildsWhenASourceWasDeleted() throws Exception {
        write(jar, BUILT);
        Path source = repo.resolve("tracker-inmemory/src/main/java/io/seqtrack/A.java");
        Files.delete(source);
        Files.setLastModifiedTime(source.getParent(), FileTime.from(BUILT.plusSeconds(10)));
        assertThat(launch()).hasSize(2).first().asString().startsWith("mvnw ");
    }

    @Test
    void ignoresChangesOutsideTheModulesItNeeds() throws Exception {
        write(jar, BUILT);
        write(repo.resolve("tracker-benchmarks/src/main/java/io/seqtrack/A.java"), BUILT.plusSeconds(10));
        write(repo.resolve("docs/processor.md"), BUILT.plusSeconds(10));
        write(repo.resolve("tracker-cli/src/test/java/io/seqtrack/T.java"), BUILT.plusSeconds(10));
        assertThat(launch()).containsExactly("java -jar " + jar);
    }

    @Test
    void rebuildsWhenAsked() throws Exception {
        write(jar, BUILT);
        assertThat(launch("--rebuild", "inspect")).hasSize(2).last().isEqualTo("java -jar " + jar + " inspect");
    }

    private List<String> launch(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("bash", repo.resolve("tracker").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(repo.resolve("launcher.out").toFile());
        builder.environment().put("PATH", repo.resolve("bin") + ":" + System.getenv("PATH"));
        Process launcher = builder.start();
        assertThat(launcher.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(launcher.exitValue()).as(Files.readString(repo.resolve("launcher.out"))).isZero();
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    private static void write(Path file, Instant modified) throws IOException {
        Files.createDirectories(file.getParent());
        if (!Files.exists(file)) {
            Files.writeString(file, "x");
        }
        Files.setLastModifiedTime(file, FileTime.from(modified));
    }

    private static void executable(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
