package io.seqtrack.torture;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The append-only history of one processor instance: one line per record, written with {@code write(2)} before the
 * call returns, so a worker killed with SIGKILL keeps every record it wrote (the page cache survives the process).
 *
 * <pre>
 * S micros proc key seq token attempt eventId payloadHash
 *                                       handler run started, with the event it was given (CRC32 of the payload)
 * E micros proc key seq token           handler run returned
 * F micros proc key seq token           handler run threw (injected failure)
 * C micros proc key seq                 committed (the processor's Processed event)
 * X micros proc key seq token           fenced: the commit answered CLAIM_LOST
 * P micros proc key seq reason          parked (reason with spaces as underscores)
 * G micros proc key from to policy      a gap timed out and its policy acts
 * K micros proc key from to             range skipped by the gap policy
 * A micros proc delivery outcome        submission finished with a safe outcome (acked to the broker)
 * R micros proc delivery error          submission failed (unknown outcome): redelivered later
 * </pre>
 *
 * Timestamps are wall-clock microseconds ({@code CLOCK_REALTIME}), comparable across the processes of one machine.
 */
final class History implements AutoCloseable {

    private final String proc;
    private final OutputStream out;

    private History(String proc, OutputStream out) {
        this.proc = proc;
        this.out = out;
    }

    static History open(Path dir, String proc) {
        try {
            return new History(proc, Files.newOutputStream(file(dir, proc), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path file(Path dir, String proc) {
        return dir.resolve("history-" + proc + ".log");
    }

    synchronized void append(char type, Object... fields) {
        StringBuilder line = new StringBuilder().append(type).append(' ').append(micros()).append(' ').append(proc);
        for (Object field : fields) {
            line.append(' ').append(field);
        }
        line.append('\n');
        try {
            out.write(line.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long micros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    @Override
    public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One parsed record. {@code fields} are the values after the processor name. */
    record Entry(char type, long micros, String proc, List<String> fields) {

        String key() {
            return fields.get(0);
        }

        long seq() {
            return Long.parseLong(fields.get(1));
        }

        long token() {
            return Long.parseLong(fields.get(2));
        }

        static Entry parse(String line) {
            String[] f = line.split(" ");
            List<String> fields = new ArrayList<>(List.of(f).subList(3, f.length));
            return new Entry(f[0].charAt(0), Long.parseLong(f[1]), f[2], List.copyOf(fields));
        }
    }

    /** Every record of every history file in {@code dirs} (a torn last line of a killed worker is dropped). */
    static List<Entry> readAll(List<Path> dirs) {
        List<Entry> entries = new ArrayList<>();
        for (Path dir : dirs) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.filter(p -> p.getFileName().toString().startsWith("history-")).toList()) {
                    String text = Files.readString(file);
                    int end = text.lastIndexOf('\n');
                    if (end < 0) {
                        continue;
                    }
                    for (String line : text.substring(0, end).split("\n")) {
                        entries.add(Entry.parse(line));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return entries;
    }
}
