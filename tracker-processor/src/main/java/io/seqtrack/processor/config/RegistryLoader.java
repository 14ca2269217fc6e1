package io.seqtrack.processor.config;

import io.seqtrack.core.registry.DomainRegistration;
import io.seqtrack.core.registry.DomainRegistry;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Loads a {@link DomainRegistry} from a YAML file:
 *
 * <pre>{@code
 * domains:
 *   user_account:
 *     mode: strict
 *     leaseTtl: 30s
 *     retry:
 *       maxAttempts: 5
 *   chat:
 *     mode: disabled
 * }</pre>
 *
 * <p>Every field of a domain is optional and takes the {@link DomainRegistration} default when omitted; the format is
 * described in {@code docs/configuration.md}. A file is loaded completely or not at all: the first problem raises a
 * {@link RegistryFileException} that names the file, the line and the field, e.g.
 * {@code registry.yaml:7: domains.user_account.leaseTtl: must be positive, was PT-1S}.
 *
 * <p>Files are read as UTF-8 and only as data: YAML tags never instantiate types, aliases and size are bounded.
 */
public final class RegistryLoader {

    /** A registry is a few hundred lines; a larger file is almost certainly the wrong file. */
    static final long MAX_FILE_BYTES = 4L * 1024 * 1024;

    private RegistryLoader() {
    }

    /**
     * Reads and parses the registry file at {@code file}. Errors name the file as {@code file.toString()}.
     *
     * @throws RegistryFileException if the file cannot be read or is not a valid registry
     */
    public static DomainRegistry load(Path file) {
        Objects.requireNonNull(file, "file");
        return parse(read(file), file.toString());
    }

    /**
     * Parses registry YAML held in memory.
     *
     * @param yaml       the registry text
     * @param sourceName what errors call the text, e.g. a file name or {@code "classpath:registry.yaml"}
     * @throws RegistryFileException if the text is not a valid registry
     */
    public static DomainRegistry parse(String yaml, String sourceName) {
        Objects.requireNonNull(yaml, "yaml");
        return new RegistryParser(sourceName).parse(yaml);
    }

    private static String read(Path file) {
        String source = file.toString();
        try {
            if (Files.isDirectory(file)) {
                throw RegistryFileException.ofFile(source, "is a directory, not a registry file", null);
            }
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw RegistryFileException.ofFile(source,
                        "is too large for a registry file (" + size + " bytes, at most " + MAX_FILE_BYTES + ")", null);
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw RegistryFileException.ofFile(source, "file not found (" + file.toAbsolutePath() + ")", e);
        } catch (AccessDeniedException e) {
            throw RegistryFileException.ofFile(source, "cannot be read: permission denied", e);
        } catch (MalformedInputException e) {
            throw RegistryFileException.ofFile(source, "is not UTF-8 text", e);
        } catch (IOException e) {
            throw RegistryFileException.ofFile(source, "cannot be read: " + e, e);
        }
    }
}
