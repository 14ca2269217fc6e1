package io.seqtrack.cli;

import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A one-line progress bar on the terminal, drawn at once and then redrawn with a carriage return four times a second
 * from a daemon thread, and erased when closed. {@link #none()} when the output is not a terminal (see
 * {@link #interactive()}), so logs, pipes and files get no carriage returns and no half-drawn lines.
 */
interface ProgressBar extends AutoCloseable {

    int WIDTH = 30;

    /** Stops and erases the line. */
    @Override
    void close();

    static ProgressBar none() {
        return () -> { };
    }

    /**
     * Whether a person is watching: standard input and output are a terminal. {@link System#console()} says so on
     * Java 17 to 21; from Java 22 it returns a console for pipes too, and {@code Console.isTerminal()} tells.
     */
    static boolean interactive() {
        java.io.Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = console.getClass().getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (ReflectiveOperationException | RuntimeException olderJava) {
            return true; // before Java 22 a console exists only on a terminal
        }
    }

    /** Draws {@code line} on {@code err} until closed. */
    static ProgressBar onTerminal(PrintWriter err, Supplier<String> line) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "seqtrack-progress");
            t.setDaemon(true);
            return t;
        });
        int[] longest = {0};
        Runnable draw = () -> {
            String text = line.get();
            longest[0] = Math.max(longest[0], text.length());
            err.print("\r" + text + " ".repeat(longest[0] - text.length())); // a shorter line covers a longer one
            err.flush();
        };
        draw.run(); // at once: even a run shorter than the redraw interval shows where it started
        timer.scheduleAtFixedRate(draw, 250, 250, TimeUnit.MILLISECONDS);
        return () -> {
            timer.shutdownNow();
            try {
                timer.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            err.print("\r" + " ".repeat(longest[0]) + "\r");
            err.flush();
        };
    }

    /** {@code [##########----------]  50%}. */
    static String bar(double fraction) {
        double clamped = Math.max(0, Math.min(1, fraction));
        int filled = (int) Math.round(clamped * WIDTH);
        return String.format(Locale.ROOT, "[%s%s] %3d%%", "#".repeat(filled), "-".repeat(WIDTH - filled),
                Math.round(clamped * 100));
    }

    /** A simulation's line: {@code [##########----------]  50%  27,000 / 54,000 events sent, 3 gaps open}. */
    static String simulation(long done, long total, long openGaps) {
        return bar(total == 0 ? 1 : (double) done / total)
                + String.format(Locale.ROOT, "  %,d / %,d events sent%s", done, total, gaps(openGaps));
    }

    /**
     * A replay's line: how far into the file, by bytes, then lines read and events handled, and the open gaps (after
     * the file is read, a replay on Redis waits for its gaps in real time).
     */
    static String replay(long bytesRead, long fileSize, long linesRead, long handled, long openGaps) {
        return bar(fileSize == 0 ? 1 : (double) bytesRead / fileSize)
                + String.format(Locale.ROOT, "  %,d lines read, %,d events handled%s", linesRead, handled,
                        gaps(openGaps));
    }

    private static String gaps(long openGaps) {
        return openGaps > 0 ? String.format(Locale.ROOT, ", %,d gap%s open", openGaps, openGaps == 1 ? "" : "s")
                : "";
    }
}
