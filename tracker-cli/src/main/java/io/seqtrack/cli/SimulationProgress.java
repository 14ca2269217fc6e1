package io.seqtrack.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on the terminal, redrawn with a carriage return four times a second from a daemon thread.
 * {@link #none()} when the output is not a terminal, so logs and pipes stay clean.
 */
interface SimulationProgress extends AutoCloseable {

    int WIDTH = 30;

    /** Stops and erases the line. */
    @Override
    void close();

    static SimulationProgress none() {
        return () -> { };
    }

    /** Draws {@code done / total} deliveries and the open gaps on {@code err} until closed. */
    static SimulationProgress onTerminal(PrintWriter err, long total, LongSupplier done, LongSupplier openGaps) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "seqtrack-simulate-progress");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(() -> {
            err.print("\r" + line(done.getAsLong(), total, openGaps.getAsLong()));
            err.flush();
        }, 250, 250, TimeUnit.MILLISECONDS);
        return () -> {
            timer.shutdownNow();
            try {
                timer.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            err.print("\r" + " ".repeat(line(total, total, 0).length() + 30) + "\r");
            err.flush();
        };
    }

    /** {@code [##########----------]  50%  27,000 / 54,000 deliveries, 3 gaps open}. */
    static String line(long done, long total, long openGaps) {
        double fraction = total == 0 ? 1 : Math.min(1, (double) done / total);
        int filled = (int) Math.round(fraction * WIDTH);
        return String.format(Locale.ROOT, "[%s%s] %3d%%  %,d / %,d deliveries%s", "#".repeat(filled),
                "-".repeat(WIDTH - filled), Math.round(fraction * 100), done, total,
                openGaps > 0 ? String.format(Locale.ROOT, ", %,d gap%s open", openGaps, openGaps == 1 ? "" : "s")
                        : "");
    }
}
