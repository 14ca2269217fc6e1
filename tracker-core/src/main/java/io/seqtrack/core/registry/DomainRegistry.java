package io.seqtrack.core.registry;

import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.UnknownDomainException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The registered domains, by unique name. Immutable and safe to share between threads.
 *
 * <p>{@link #seedDefaults()} gives the registry of the system seqtrack replaces: {@code user_account} and
 * {@code company} strict, {@code chat} disabled. Files are loaded by the processor module, not here.
 */
public interface DomainRegistry {

    /**
     * A registry of the given registrations.
     *
     * @throws InvalidConfigurationException naming {@code domains} if two registrations share a name or one is null
     */
    static DomainRegistry of(Collection<DomainRegistration> registrations) {
        return new ImmutableDomainRegistry(registrations);
    }

    /** Varargs form of {@link #of(Collection)}. */
    static DomainRegistry of(DomainRegistration... registrations) {
        if (registrations == null) {
            throw InvalidConfigurationException.of("domains", "must not be null");
        }
        return of(java.util.Arrays.asList(registrations));
    }

    /** {@code user_account} and {@code company} {@link TrackingMode#STRICT}, {@code chat} {@link TrackingMode#DISABLED}. */
    static DomainRegistry seedDefaults() {
        return of(
                DomainRegistration.builder("user_account").mode(TrackingMode.STRICT).build(),
                DomainRegistration.builder("company").mode(TrackingMode.STRICT).build(),
                DomainRegistration.builder("chat").mode(TrackingMode.DISABLED).build());
    }

    /**
     * The registration named {@code domain}.
     *
     * @throws UnknownDomainException if no domain has that name; the message lists the registered ones
     */
    DomainRegistration lookup(String domain);

    /** The registration named {@code domain}, if there is one. */
    Optional<DomainRegistration> find(String domain);

    /** All registrations in the order they were given. */
    List<DomainRegistration> registrations();
}
