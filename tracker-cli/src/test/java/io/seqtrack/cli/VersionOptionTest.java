package io.seqtrack.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tracker --version} ({@code -V}): prints the version (from the jar manifest, else from the build) and the commit
 * the build was made from, and exits 0.
 */
@Timeout(120)
class VersionOptionTest {

    private record Run(int exit, String out, String err) {
    }

    /** The CLI in this JVM ({@link ReplayTestSupport#tracker}), its answer under shorter names. */
    private static Run tracker(String... args) {
        ReplayTestSupport.Result result = ReplayTestSupport.tracker(args);
        return new Run(result.exitCode(), result.out(), result.err());
    }

    /** The build fills in the version and the commit: {@code -V} prints both (issue 15, #13). */
    @Test
    void versionAndCommitComeFromTheBuild() throws Exception {
        for (String option : List.of("--version", "-V")) {
            Run run = tracker(option);
            assertThat(run.exit()).as(option + ": " + run.err()).isZero();
            assertThat(run.out().strip()).as(option)
                    .matches("seqtrack tracker \\d+\\.\\d+\\.\\d+\\S*( \\(commit [0-9a-f]{7,}\\))?");
            assertThat(run.err()).as(option).isEmpty();
        }
        Path repository = Path.of("..").toAbsolutePath().normalize();
        if (Files.exists(repository.resolve(".git"))) {
            Process git = new ProcessBuilder("git", "-C", repository.toString(), "rev-parse", "HEAD")
                    .redirectErrorStream(true).start();
            String head = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(git.waitFor(30, TimeUnit.SECONDS)).isTrue();
            if (git.exitValue() == 0) {
                String printed = tracker("-V").out().strip();
                assertThat(printed).as("built in a git checkout: the commit is named").contains(" (commit ");
                String commit = printed.substring(printed.indexOf("(commit ") + 8, printed.length() - 1);
                assertThat(head).as("the commit printed is the checkout's").startsWith(commit);
            }
        }
    }

    /**
     * The real {@code main} in a JVM of its own, with the CLI's classes in a jar whose manifest names a version ahead
     * of the test classpath: the version printed is the manifest's, and the process exits 0.
     */
    @Test
    void versionComesFromTheJarManifest(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("tracker-cli-version.jar");
        writeJarOfCliClasses(jar, "7.7.7-test");
        Process p = new ProcessBuilder(javaBinary(), "-cp",
                jar + java.io.File.pathSeparator + System.getProperty("java.class.path"),
                TrackerCli.class.getName(), "--version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out.strip()).startsWith("seqtrack tracker 7.7.7-test");
    }

    /** The shaded jar {@code ./tracker} runs (built by {@code package}: checked when it exists and is current). */
    @Test
    void thePackagedTrackerJarReportsItsVersion() throws Exception {
        Path jar = Path.of("target", "tracker.jar");
        assumeTrue(Files.exists(jar), "tracker.jar is built in the package phase, after the tests");
        Path built = Path.of("target", "classes", "io", "seqtrack", "cli", "build.properties");
        assumeTrue(Files.exists(built) && Files.getLastModifiedTime(jar).compareTo(Files.getLastModifiedTime(built)) > 0,
                "tracker.jar predates these classes (it is rebuilt in the package phase, after the tests)");
        Process p = new ProcessBuilder(javaBinary(), "-jar", jar.toString(), "--version").redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out.strip()).matches("seqtrack tracker \\d+\\.\\d+\\.\\d+\\S*( \\(commit [0-9a-f]{7,}\\))?");
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Every class of {@code io.seqtrack.cli} (from wherever the tests load it) in a jar with that version. */
    private static void writeJarOfCliClasses(Path jar, String version) throws IOException {
        Path classes;
        try {
            classes = Path.of(TrackerCli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        assertThat(classes).as("the CLI's classes are a directory here (target/classes)").isDirectory();
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.IMPLEMENTATION_VERSION, version);
        Path cli = classes.resolve("io/seqtrack/cli");
        try (OutputStream file = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(file, manifest);
                Stream<Path> files = Files.walk(cli)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
    }
}
