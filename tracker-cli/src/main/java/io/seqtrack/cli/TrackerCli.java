package io.seqtrack.cli;

import io.seqtrack.core.domain.SequenceTrackingException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
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
            return e instanceof BadUsageException ? BAD_USAGE : 1;
        });
        cli.setParameterExceptionHandler(TrackerCli::badUsage);
        return cli.execute(args);
    }

    static final int BAD_USAGE = 2;

    /** A value the command line accepted but that cannot be used (an invalid Redis URI, …): exit code 2. */
    static final class BadUsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadUsageException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Bad usage: what was wrong, the close match of a mistyped option, the command's synopsis and where the full help
     * is — not the whole help, in which the one line that matters is lost. Exit code 2.
     */
    private static int badUsage(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        String message = e.getMessage();
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
            List<String> unknown = unmatched.getUnmatched();
            List<String> suggestions = unmatched.getSuggestions();
            List<String> options = unknown.stream().filter(a -> a.startsWith("-")).toList();
            message = (options.isEmpty() ? "unexpected argument(s) " + String.join(" ", unknown)
                    : "unknown option" + (options.size() == 1 ? " " : "s ") + String.join(", ", options))
                    + (suggestions.isEmpty() ? "" : "; did you mean " + String.join(" or ", suggestions) + "?");
        }
        err.println("tracker: " + message);
        err.print("Usage: " + command.getHelp().synopsis(0));
        err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return BAD_USAGE;
    }

    static String describe(Throwable e) {
        if (e instanceof SequenceTrackingException || e instanceof BadUsageException) {
            return e.getMessage();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /**
     * The version — from the jar manifest, else from the build's {@code build.properties} — and the commit it was built
     * from; "development build" where neither is known (classes compiled outside the Maven build).
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            java.util.Properties build = new java.util.Properties();
            try (java.io.InputStream in = TrackerCli.class.getResourceAsStream("build.properties")) {
                if (in != null) {
                    build.load(in);
                }
            } catch (java.io.IOException e) {
                // no build information: say so below
            }
            String version = TrackerCli.class.getPackage().getImplementationVersion();
            if (version == null) {
                version = filled(build.getProperty("version"));
            }
            String commit = filled(build.getProperty("commit"));
            return new String[] {"seqtrack tracker " + (version == null ? "development build" : version)
                    + (commit == null ? "" : " (commit " + commit + ")")};
        }

        /** A property the build filled in, or null (missing, empty, or left as a placeholder outside git). */
        private static String filled(String value) {
            return value == null || value.isBlank() || value.contains("${") ? null : value.strip();
        }
    }
}
