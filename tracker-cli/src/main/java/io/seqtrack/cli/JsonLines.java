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

    /**
     * Writes to {@code option}'s {@code file} (created, or emptied if it exists and {@code overwrite}), or discards
     * when it is null. A file that is not empty is never emptied without {@code overwrite}: {@link OutputPaths} refused
     * it before the run, and one that appeared since is refused here.
     */
    static JsonLines toFile(String option, Path file, boolean overwrite) {
        if (file == null) {
            return new JsonLines(null, null);
        }
        return new JsonLines(openEmpty(option, file, overwrite), null);
    }

    /** Writes to {@code file}, or to {@code fallback} when it is null. */
    static JsonLines toFileOr(String option, Path file, boolean overwrite, PrintWriter fallback) {
        return file == null ? new JsonLines(null, fallback) : toFile(option, file, overwrite);
    }

    /** Writes {@code bytes} as the whole content of {@code file}, in one write, on the same terms as a JSON Lines file. */
    static void writeWhole(String option, Path file, boolean overwrite, byte[] bytes) {
        try (FileChannel channel = openEmpty(option, file, overwrite)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Opens {@code file} for writing from its start: created, or truncated only if empty or {@code overwrite}. */
    private static FileChannel openEmpty(String option, Path file, boolean overwrite) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            long size = channel.size();
            if (size > 0 && !overwrite) {
                channel.close();
                throw new TrackerCli.BadUsageException(OutputPaths.refusal(option, file, size), null);
            }
            channel.truncate(0);
            return channel;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
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
