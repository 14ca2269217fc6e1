package io.seqtrack.core.domain;

import java.util.Collection;
import java.util.List;
import java.util.Objects;

/** An event or a lookup named a domain that is not registered. */
public final class UnknownDomainException extends SequenceTrackingException {

    private static final long serialVersionUID = 1L;

    private final String domain;

    private UnknownDomainException(String domain, String message) {
        super(message);
        this.domain = domain;
    }

    /**
     * Creates the exception for a domain name that is not registered.
     *
     * @param domain the name that was looked up
     * @param known  the registered names, listed in the message so that a typo is easy to spot
     */
    public static UnknownDomainException of(String domain, Collection<String> known) {
        Objects.requireNonNull(known, "known");
        return new UnknownDomainException(domain,
                "unknown domain '" + domain + "'; registered domains are " + List.copyOf(known));
    }

    /** The domain name that is not registered. */
    public String domain() {
        return domain;
    }
}
