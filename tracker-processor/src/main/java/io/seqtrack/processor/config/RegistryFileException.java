package io.seqtrack.processor.config;

import io.seqtrack.core.domain.SequenceTrackingException;

/**
 * A domain-registry file was rejected: it could not be read, is not valid YAML, or holds a key, type or value that is
 * not allowed. Nothing was loaded. The message reads like a compiler error,
 * {@code registry.yaml:7: domains.user_account.leaseTtl: must be positive, was PT-1S}, and its parts are available as
 * {@link #file()}, {@link #line()}, {@link #field()} and {@link #reason()}.
 */
public final class RegistryFileException extends SequenceTrackingException {

    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final String field;
    private final String reason;

    private RegistryFileException(String file, int line, String field, String reason, Throwable cause) {
        super(format(file, line, field, reason), cause);
        this.file = file;
        this.line = line;
        this.field = field;
        this.reason = reason;
    }

    /** A problem at one line (1-based) and field path; {@code field} is empty when no field is involved. */
    static RegistryFileException at(String file, int line, String field, String reason) {
        return new RegistryFileException(file, line, field, reason, null);
    }

    /** A problem at one line and field, caused by {@code cause} (a YAML syntax error, a rejected builder value). */
    static RegistryFileException at(String file, int line, String field, String reason, Throwable cause) {
        return new RegistryFileException(file, line, field, reason, cause);
    }

    /** A problem with the file as a whole (missing, unreadable, too large): no line and no field. */
    static RegistryFileException ofFile(String file, String reason, Throwable cause) {
        return new RegistryFileException(file, 0, "", reason, cause);
    }

    /** The file's path as it was given to the loader, or the source name given with the text. */
    public String file() {
        return file;
    }

    /** The 1-based line of the offending key or value; {@code 0} when the problem is not at a line (unreadable file). */
    public int line() {
        return line;
    }

    /**
     * The dotted path of the offending field, e.g. {@code domains.user_account.retry.maxAttempts}; empty when the
     * problem is not about a field (a YAML syntax error, an unreadable file).
     */
    public String field() {
        return field;
    }

    /** What is wrong, without the file, line and field, e.g. {@code must be positive, was PT-1S}. */
    public String reason() {
        return reason;
    }

    private static String format(String file, int line, String field, String reason) {
        StringBuilder message = new StringBuilder(file);
        if (line > 0) {
            message.append(':').append(line);
        }
        message.append(": ");
        if (!field.isEmpty()) {
            message.append(field).append(": ");
        }
        return message.append(reason).toString();
    }
}
