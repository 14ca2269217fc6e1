package io.seqtrack.cli;

import io.seqtrack.core.domain.SequenceTrackingException;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code tracker}: the command-line face of seqtrack. Exit codes: 0 success, 1 failure (store unreachable, invalid
 * registry, …), 2 bad usage.
 */
@Command(name = "tracker", mixinStandardHelpOptions = true, versionProvider = TrackerCli.Version.class,
        description = "Ordered, effectively-once processing per aggregate: replay, simulate, inspect and repair.",
        subcommands = {SimulateCommand.class, ReplayCommand.class, InspectCommand.class, ParkedCommand.class,
            ResetCommand.class, CommandLine.HelpCommand.class})
public final class TrackerCli {

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the CLI in-process (tests call this) and returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new TrackerCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("tracker: " + describe(e));
            return 1;
        });
        return cli.execute(args);
    }

    static String describe(Throwable e) {
        if (e instanceof SequenceTrackingException) {
            return e.getMessage();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /** The version from the jar manifest, or "development". */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = TrackerCli.class.getPackage().getImplementationVersion();
            return new String[] {"seqtrack tracker " + (version == null ? "development build" : version)};
        }
    }
}
