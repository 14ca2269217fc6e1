package io.seqtrack.core.domain;

import java.util.Objects;

/**
 * A configuration value (a domain registration, a retry policy, a store setting) was rejected. The message names
 * the field and the value; nothing was built.
 */
public final class InvalidConfigurationException extends SequenceTrackingException {

    private static final long serialVersionUID = 1L;

    private final String field;

    private InvalidConfigurationException(String field, String message) {
        super(message);
        this.field = field;
    }

    /**
     * Creates the exception for one offending configuration field.
     *
     * @param field  the name of the field, e.g. {@code "leaseTtl"}; prefixed by its owner where that helps, e.g.
     *               {@code "user_account.leaseTtl"}
     * @param reason what is wrong with the value
     */
    public static InvalidConfigurationException of(String field, String reason) {
        Objects.requireNonNull(field, "field");
        return new InvalidConfigurationException(field, "invalid configuration: " + field + " " + reason);
    }

    /** The name of the rejected field. */
    public String field() {
        return field;
    }
}
