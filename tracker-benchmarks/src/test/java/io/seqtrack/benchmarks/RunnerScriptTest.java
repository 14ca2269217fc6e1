package io.seqtrack.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run.sh} end to end with a stub in place of {@code benchmarks.jar}: it starts its own {@code redis-server},
 * passes the JMH arguments it promises, measures the ceiling with {@code redis-benchmark}, writes the results folder
 * and stops what it started. Needs {@code redis-server}, {@code redis-cli} and {@code redis-benchmark} on the PATH.
 */
class RunnerScriptTest {

    @TempDir
    Path dir;

    @Test
    void aQuickStandaloneRunWritesItsFolderWithTheIterationsAndPassesAskedFor() throws Exception {
        Path results = dir.resolve("results");
        ProcessBuilder builder = new ProcessBuilder("bash", "run.sh", "standalone", "--quick")
                .redirectErrorStream(true).redirectOutput(dir.resolve("run.out").toFile());
        Map<String, String> env = builder.environment();
        env.put("SEQTRACK_BENCH_JAR", stubJar().toString());
        env.put("SEQTRACK_RESULTS_DIR", results.toString());
        env.put("SEQTRACK_PASSES", "main memory");
        env.put("SEQTRACK_JMH_ITER", "-f 1 -wi 0 -i 1 -r 100ms");
        env.put("SEQTRACK_CEILING_DEPTHS", "1 16");
        env.put("SEQTRACK_CEILING_CLIENTS", "1");
        Process script = builder.start();
        assertThat(script.waitFor(120, TimeUnit.SECONDS)).as("run.sh finished").isTrue();
        assertThat(script.exitValue()).as(Files.readString(dir.resolve("run.out"))).isZero();

        Path out;
        try (Stream<Path> folders = Files.list(results)) {
            out = folders.filter(p -> p.getFileName().toString().startsWith("standalone-")).findFirst().orElseThrow();
        }
        String main = Files.readString(out.resolve("jmh.json.args"));
        assertThat(main).contains("-f 1 -wi 0 -i 1 -r 100ms").contains("-e Memory").contains("-p batchSize=64")
                .contains("-Dseqtrack.redis.uri=redis://127.0.0.1:");
        assertThat(Files.readString(out.resolve("jmh-memory.json.args")))
                .as("the memory pass runs on a server the runner started").contains("MemoryFootprintBenchmark");
        assertThat(out.resolve("jmh-batch.json")).as("only the passes asked for").doesNotExist();
        List<String> ceiling = Files.readAllLines(out.resolve("ceiling.csv"));
        assertThat(ceiling.get(0)).isEqualTo("pipeline,clients,requests,rps,p50_ms,p99_ms");
        assertThat(ceiling).hasSize(3).anyMatch(l -> l.startsWith("1,1,")).anyMatch(l -> l.startsWith("16,1,"));
        assertThat(Files.readString(out.resolve("meta.properties"))).contains("topology=standalone");
        assertThat(Files.readString(out.resolve("run.log"))).contains("results in");
    }

    /** A runnable jar whose main class is {@link StubJmh}. */
    private Path stubJar() throws IOException {
        Path jar = dir.resolve("stub.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, StubJmh.class.getName());
        String entry = StubJmh.class.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(file, manifest);
                InputStream in = StubJmh.class.getClassLoader().getResourceAsStream(entry)) {
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
        return jar;
    }
}
