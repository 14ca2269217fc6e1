package io.seqtrack.torture;

import io.seqtrack.redis.testsupport.RedisProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Faults injected into real processes, each checked: a command that did not do what it says fails the scenario
 * instead of leaving a description of a fault that never happened. ({@code redis-cli} exits 0 on an error reply
 * when not on a terminal, so replies are checked too.)
 */
final class Faults {

    private Faults() {
    }

    /** Runs {@code redis-cli} against {@code redis}; fails on a non-zero exit or an error reply. */
    static String cli(RedisProcess redis, String... args) {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p",
                Integer.toString(redis.port())));
        command.addAll(List.of(args));
        Result result = run(command);
        String out = result.output();
        if (result.exit() != 0 || out.startsWith("ERR") || out.startsWith("NOSCRIPT") || out.startsWith("(error)")
                || out.startsWith("Could not connect")) {
            throw new AssertionError(String.join(" ", command) + " exited " + result.exit() + ": " + out);
        }
        return out;
    }

    /** {@code SCRIPT FLUSH} and friends: the reply must be {@code OK}. */
    static void cliOk(RedisProcess redis, String... args) {
        String out = cli(redis, args);
        if (!"OK".equals(out)) {
            throw new AssertionError("redis-cli " + String.join(" ", args) + " answered " + out);
        }
    }

    /** A command answering an integer ({@code CLIENT KILL TYPE …} answers how many clients it killed). */
    static long cliInteger(RedisProcess redis, String... args) {
        String out = cli(redis, args);
        try {
            return Long.parseLong(out.strip());
        } catch (NumberFormatException e) {
            throw new AssertionError("redis-cli " + String.join(" ", args) + " answered " + out);
        }
    }

    /**
     * A number from {@code INFO}: {@code field} is a line's name ({@code total_connections_received}) or, with
     * {@code sub}, one value of a line ({@code errorstat_NOSCRIPT} {@code count}); 0 when the line is absent.
     */
    static long info(RedisProcess redis, String section, String field, String sub) {
        for (String line : cli(redis, "INFO", section).split("\r?\n")) {
            if (!line.startsWith(field + ":")) {
                continue;
            }
            String value = line.substring(field.length() + 1);
            if (sub == null) {
                return Long.parseLong(value.strip());
            }
            for (String part : value.split(",")) {
                if (part.startsWith(sub + "=")) {
                    return Long.parseLong(part.substring(sub.length() + 1).strip());
                }
            }
        }
        return 0;
    }

    /** Subscribers of {@code channel} ({@code PUBSUB NUMSUB}). */
    static long subscribers(RedisProcess redis, String channel) {
        String[] out = cli(redis, "PUBSUB", "NUMSUB", channel).split("\r?\n");
        return Long.parseLong(out[out.length - 1].strip());
    }

    /** Sends {@code kill -SIGNAL pid}; fails unless {@code kill} exits 0. */
    static void signal(long pid, String signal) {
        Result result = run(List.of("kill", "-" + signal, Long.toString(pid)));
        if (result.exit() != 0) {
            throw new AssertionError("kill -" + signal + " " + pid + " exited " + result.exit() + ": "
                    + result.output());
        }
    }

    /** SIGSTOP, then checks the kernel reports the process stopped. */
    static void freeze(long pid) {
        signal(pid, "STOP");
        TortureRun.await("process " + pid + " stopped", TortureScenarios.SETTLE, () -> "T".equals(state(pid)));
    }

    /** SIGCONT, then checks the process is no longer stopped. */
    static void thaw(long pid) {
        signal(pid, "CONT");
        TortureRun.await("process " + pid + " continued", TortureScenarios.SETTLE, () -> !"T".equals(state(pid)));
    }

    /** Fails unless {@code pid} is gone (after a SIGKILL). */
    static void requireDead(long pid) {
        TortureRun.await("process " + pid + " gone", TortureScenarios.SETTLE,
                () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    }

    /** The state letter of {@code /proc/PID/stat} (R, S, T, …), or empty when the process is gone. */
    static String state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException e) {
            return "";
        }
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
