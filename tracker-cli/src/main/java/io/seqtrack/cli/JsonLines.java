package io.seqtrack.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/** A thread-safe JSON Lines output: a file, or the command's standard output when no file is given. */
final class JsonLines implements AutoCloseable {

    private final Writer writer;
    private final boolean ownsWriter;

    private JsonLines(Writer writer, boolean ownsWriter) {
        this.writer = writer;
        this.ownsWriter = ownsWriter;
    }

    /** Writes to {@code file}, or discards when it is null. */
    static JsonLines toFile(Path file) {
        if (file == null) {
            return new JsonLines(Writer.nullWriter(), false);
        }
        try {
            BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            return new JsonLines(w, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Writes to {@code file}, or to {@code fallback} when it is null. */
    static JsonLines toFileOr(Path file, PrintWriter fallback) {
        return file == null ? new JsonLines(fallback, false) : toFile(file);
    }

    synchronized void write(JsonNode json) {
        try {
            writer.write(EventJson.write(json));
            writer.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write output", e);
        }
    }

    /** Epoch microseconds from the system clock: comparable across processes on one machine. */
    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    @Override
    public synchronized void close() {
        try {
            writer.flush();
            if (ownsWriter) {
                writer.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close output", e);
        }
    }
}
