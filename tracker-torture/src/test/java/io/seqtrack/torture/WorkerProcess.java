package io.seqtrack.torture;

import io.seqtrack.torture.TorturePlan.Delivery;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A {@link TortureWorker} JVM as the test sees it: its directory, the deliveries the broker (the test) gave it, and
 * the signals a test sends it (SIGKILL, SIGSTOP, SIGCONT).
 */
final class WorkerProcess implements AutoCloseable {

    private final String name;
    private final Path dir;
    private final Process process;
    private final Map<String, Delivery> sent = new LinkedHashMap<>();
    private int files;
    private boolean killed;

    private WorkerProcess(String name, Path dir, Process process) {
        this.name = name;
        this.dir = dir;
        this.process = process;
    }

    static WorkerProcess start(String name, Path dir, List<String> options) {
        try {
            Files.createDirectories(dir.resolve("inbox"));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                    TortureWorker.class.getName(), "--dir", dir.toString(), "--name", name));
            command.addAll(options);
            Process process = new ProcessBuilder(command)
                    .redirectOutput(dir.resolve("stdout.log").toFile())
                    .redirectError(dir.resolve("stderr.log").toFile())
                    .start();
            return new WorkerProcess(name, dir, process);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String name() {
        return name;
    }

    Path dir() {
        return dir;
    }

    long pid() {
        return process.pid();
    }

    /** Drops a file of deliveries into the worker's inbox (written aside, then moved: the worker never sees half). */
    synchronized void deliver(List<Delivery> deliveries) {
        if (deliveries.isEmpty()) {
            return;
        }
        deliveries.forEach(d -> sent.put(d.id(), d));
        String body = deliveries.stream().map(Delivery::line).collect(Collectors.joining("\n", "", "\n"));
        try {
            Path tmp = dir.resolve("inbox").resolve(".tmp-" + files);
            Files.writeString(tmp, body);
            Files.move(tmp, dir.resolve("inbox").resolve(String.format("%05d.events", files++)),
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The deliveries this worker has not acknowledged yet (read from its histories). */
    synchronized List<Delivery> unacknowledged() {
        var acked = History.readAll(List.of(dir)).stream().filter(e -> e.type() == 'A')
                .map(e -> e.fields().get(0)).collect(Collectors.toSet());
        return sent.values().stream().filter(d -> !acked.contains(d.id())).toList();
    }

    synchronized int sentCount() {
        return sent.size();
    }

    boolean alive() {
        return process.isAlive();
    }

    boolean killed() {
        return killed;
    }

    /** SIGKILL, as a crash: no shutdown hook, no final write. */
    void kill() {
        killed = true;
        process.destroyForcibly();
        awaitExit(10);
    }

    void pause() {
        signal("STOP");
    }

    void resume() {
        signal("CONT");
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Asks the worker to finish once everything it was given is acknowledged. */
    void requestStop() {
        try {
            Files.writeString(dir.resolve("stop"), "stop\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the exit and returns the exit code, or -1 if it did not exit in time (then it is killed). */
    int awaitExit(int seconds) {
        try {
            if (process.waitFor(seconds, TimeUnit.SECONDS)) {
                return process.exitValue();
            }
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    String stderr() {
        try {
            return Files.readString(dir.resolve("stderr.log"));
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            resume(); // a paused process would ignore everything but SIGKILL anyway; make sure it can die cleanly
            process.destroyForcibly();
            awaitExit(10);
        }
    }
}
