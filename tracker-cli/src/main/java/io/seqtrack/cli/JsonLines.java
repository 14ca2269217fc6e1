package io.seqtrack.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * A thread-safe JSON Lines output: a file, or the command's standard output when no file is given.
 *
 * <p>A file gets each line, newline included, in one {@link FileChannel#write} of the whole line before
 * {@link #write} returns: nothing is buffered in this process, so a line that was written is in the operating
 * system's page cache and survives the process being killed (even by SIGKILL, which no shutdown hook sees), and a
 * killed process leaves whole lines only. It is not forced to the disk: that only matters if the machine itself
 * crashes, which is not what a worker's effect has to survive here (see docs/cli.md).
 */
final class JsonLines implements AutoCloseable {

    private final FileChannel channel;
    private final PrintWriter fallback;

    private JsonLines(FileChannel channel, PrintWriter fallback) {
        this.channel = channel;
        this.fallback = fallback;
    }

    /** Writes to {@code file} (created, or emptied if it exists), or discards when it is null. */
    static JsonLines toFile(Path file) {
        if (file == null) {
            return new JsonLines(null, null);
        }
        try {
            return new JsonLines(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING), null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Writes to {@code file}, or to {@code fallback} when it is null. */
    static JsonLines toFileOr(Path file, PrintWriter fallback) {
        return file == null ? new JsonLines(null, fallback) : toFile(file);
    }

    /** Writes one whole line; when it returns, the line is in the file (handed to the operating system). */
    synchronized void write(JsonNode json) {
        byte[] line = (EventJson.write(json) + "\n").getBytes(StandardCharsets.UTF_8);
        if (channel != null) {
            try {
                ByteBuffer buffer = ByteBuffer.wrap(line);
                while (buffer.hasRemaining()) {
                    channel.write(buffer); // a regular file takes it all in one write(2); the loop is for the rest
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write output", e);
            }
        } else if (fallback != null) {
            fallback.print(new String(line, StandardCharsets.UTF_8));
            fallback.flush();
        }
    }

    /** Epoch microseconds from the system clock: comparable across processes on one machine. */
    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    @Override
    public synchronized void close() {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close output", e);
        }
    }
}
