package io.seqtrack.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The files a command reads and writes, checked before anything is opened, truncated or sent to a store: an output
 * must not be an input or another output (the same file after resolving {@code ..}, symbolic and hard links), so a
 * run can never truncate what it reads or interleave two outputs in one file; and an output that exists and is not
 * empty is kept unless the user said {@code --overwrite} (invariant 16: an earlier run's processed lines may be the
 * only record of what it committed).
 */
final class OutputPaths {

    /** A path that cannot be used; the message names the option(s) and the path. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    private static final int MAX_LINKS = 40; // as Linux's ELOOP limit

    private final Map<String, Path> inputs = new LinkedHashMap<>();
    private final Map<String, Path> outputs = new LinkedHashMap<>();
    private boolean overwrite;

    /** Whether an existing, non-empty output may be replaced (the user said {@code --overwrite}). */
    OutputPaths overwrite(boolean overwrite) {
        this.overwrite = overwrite;
        return this;
    }

    /** An input file (only its identity is checked here). Ignored when {@code path} is null. */
    OutputPaths input(String option, Path path) {
        if (path != null) {
            inputs.put(option, path);
        }
        return this;
    }

    /** An output file. Ignored when {@code path} is null (the output is not asked for). */
    OutputPaths output(String option, Path path) {
        if (path != null) {
            outputs.put(option, path);
        }
        return this;
    }

    /**
     * Refuses an output that cannot be written (a directory, a missing or read-only directory, a read-only file) and
     * one that is the same file as an input or as another output.
     *
     * @throws Refused naming the option(s) and the path
     */
    void check() throws Refused {
        for (Map.Entry<String, Path> output : outputs.entrySet()) {
            checkWritable(output.getKey(), output.getValue());
        }
        List<Map.Entry<String, Path>> earlier = new ArrayList<>(inputs.entrySet());
        for (Map.Entry<String, Path> output : outputs.entrySet()) {
            for (Map.Entry<String, Path> other : earlier) {
                if (sameFile(output.getValue(), other.getValue())) {
                    boolean isInput = inputs.containsKey(other.getKey());
                    throw new Refused(output.getKey() + " and " + other.getKey() + " are the same file: "
                            + output.getValue() + (output.getValue().equals(other.getValue()) ? ""
                                    : " (" + other.getValue() + ")")
                            + (isInput ? "; writing it would destroy the input" : "; the two outputs would overwrite "
                                    + "each other's lines") + ". Choose another path for " + output.getKey());
                }
            }
            earlier.add(output);
        }
        // after the same-file checks, whose messages say more (an output on the input is never allowed)
        if (!overwrite) {
            for (Map.Entry<String, Path> output : outputs.entrySet()) {
                checkNotInUse(output.getKey(), output.getValue());
            }
        }
    }

    /** An existing output that holds something is not replaced without {@code --overwrite}. */
    private static void checkNotInUse(String option, Path path) throws Refused {
        long size;
        try {
            size = Files.isRegularFile(path) ? Files.size(path) : 0;
        } catch (IOException e) {
            throw new Refused(option + " " + path + " exists but its size cannot be read (" + e.getMessage()
                    + "); choose another path");
        }
        if (size > 0) {
            throw new Refused(refusal(option, path, size));
        }
    }

    /** Why a non-empty output is kept: the message for the check and for a file that appeared while the run ran. */
    static String refusal(String option, Path path, long size) {
        return option + " " + path + " exists and is not empty (" + size + " bytes): it may be the only record of an "
                + "earlier run, so it is left as it is. Choose another path, or add --overwrite to replace it";
    }

    /** The output can be created or replaced: not a directory, in a writable directory, not read-only. */
    private static void checkWritable(String option, Path path) throws Refused {
        if (Files.isDirectory(path)) {
            throw new Refused(option + " " + path + " is a directory; give a file name inside it");
        }
        Path target = resolved(path).orElse(path.toAbsolutePath().normalize());
        Path parent = target.getParent();
        if (parent == null || !Files.exists(parent)) {
            throw new Refused(option + " " + path + ": the directory " + (parent == null ? path : parent)
                    + " does not exist (create it first)");
        }
        if (!Files.isDirectory(parent)) {
            throw new Refused(option + " " + path + ": " + parent + " is not a directory");
        }
        if (Files.exists(target)) {
            if (!Files.isWritable(target)) {
                throw new Refused(option + " " + path + " is not writable");
            }
        } else if (!Files.isWritable(parent)) {
            throw new Refused(option + " " + path + ": the directory " + parent + " is not writable");
        }
    }

    /**
     * Whether two paths name one file: {@link Files#isSameFile} when both exist (this sees hard links too), else the
     * real path of the parent directory plus the name, after following symbolic links (also dangling ones, which
     * writing would create).
     */
    static boolean sameFile(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) {
                return Files.isSameFile(a, b);
            }
        } catch (IOException e) {
            // unreadable: fall back to comparing where the paths lead
        }
        Optional<Path> ra = resolved(a);
        Optional<Path> rb = resolved(b);
        if (ra.isPresent() && rb.isPresent()) {
            return ra.get().equals(rb.get());
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /** Where writing {@code path} would land: links followed, the parent's real path, the file's name. */
    static Optional<Path> resolved(Path path) {
        Path current = path.toAbsolutePath();
        try {
            for (int i = 0; i < MAX_LINKS && Files.isSymbolicLink(current); i++) {
                Path target = Files.readSymbolicLink(current);
                current = current.getParent().resolve(target).toAbsolutePath();
            }
            if (Files.exists(current)) {
                return Optional.of(current.toRealPath());
            }
            Path parent = current.getParent();
            Path name = current.getFileName();
            if (parent == null || name == null || !Files.exists(parent)) {
                return Optional.empty();
            }
            return Optional.of(parent.toRealPath().resolve(name.toString()).normalize());
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }
}
