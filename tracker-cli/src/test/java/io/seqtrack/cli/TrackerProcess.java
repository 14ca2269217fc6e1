package io.seqtrack.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * {@code tracker} in a JVM of its own, as {@code ./tracker} starts it ({@code java -jar tracker.jar} runs the same main
 * class; the jar itself is only built after the tests), so that it can be signalled and killed.
 */
final class TrackerProcess implements AutoCloseable {

    private final Process process;
    private final Path out;
    private final Path err;

    private TrackerProcess(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /** Starts {@code tracker ARGS}; its standard output and error go to {@code name}-out.txt and -err.txt in dir. */
    static TrackerProcess start(Path dir, String name, List<String> args) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                TrackerCli.class.getName()));
        command.addAll(args);
        Path out = dir.resolve(name + "-out.txt");
        Path err = dir.resolve(name + "-err.txt");
        try {
            return new TrackerProcess(new ProcessBuilder(command).redirectOutput(out.toFile())
                    .redirectError(err.toFile()).start(), out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long pid() {
        return process.pid();
    }

    /**
     * Polls {@code condition} until it holds, at most {@code timeout}; fails if the process ended first. Waiting for a
     * real process has no event to wait on, hence the poll.
     */
    void awaitWhileRunning(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new AssertionError("tracker ended (exit " + process.exitValue() + ") before " + what + "; "
                        + "stderr: " + err());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what + "; stderr: " + err());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /** Sends {@code signal} (INT, TERM, KILL) with {@code kill}. */
    void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill -" + signal + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Whether the process ignores {@code SIGINT} (inherited from a parent started without job control). */
    boolean ignoresSigint() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 0x2) != 0;
                }
            }
        } catch (IOException e) {
            // no /proc: assume the default disposition
        }
        return false;
    }

    /** Waits, at most {@code timeout}, for the process to end, and returns its exit code. */
    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("tracker did not end within " + timeout + "; stderr: " + err());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return process.exitValue();
    }

    String out() {
        return read(out);
    }

    String err() {
        return read(err);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    /** Lines in a file so far (0 if it does not exist yet). */
    static long lineCount(Path file) {
        try {
            if (!Files.exists(file)) {
                return 0;
            }
            byte[] bytes = Files.readAllBytes(file);
            long n = 0;
            for (byte b : bytes) {
                if (b == '\n') {
                    n++;
                }
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The lines of a JSON Lines output, asserting that it holds whole lines only: it is empty or ends with a newline,
     * and every line is a JSON object.
     */
    static List<com.fasterxml.jackson.databind.JsonNode> wholeLines(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            if (!text.isEmpty() && !text.endsWith("\n")) {
                throw new AssertionError(file + " ends with a torn line: "
                        + text.substring(Math.max(0, text.lastIndexOf('\n') + 1)));
            }
            List<com.fasterxml.jackson.databind.JsonNode> lines = new ArrayList<>();
            for (String line : text.split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                com.fasterxml.jackson.databind.JsonNode json;
                try {
                    json = ReplayTestSupport.MAPPER.readTree(line);
                } catch (IOException e) {
                    throw new AssertionError(file + " has a line that is not JSON: " + line, e);
                }
                if (json == null || !json.isObject()) {
                    throw new AssertionError(file + " has a line that is not a JSON object: " + line);
                }
                lines.add(json);
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
