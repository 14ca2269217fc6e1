package io.seqtrack.core.registry;

import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.domain.UnknownDomainException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

final class ImmutableDomainRegistry implements DomainRegistry {

    private final Map<String, DomainRegistration> byName;

    ImmutableDomainRegistry(Collection<DomainRegistration> registrations) {
        if (registrations == null) {
            throw InvalidConfigurationException.of("domains", "must not be null");
        }
        Map<String, DomainRegistration> map = new LinkedHashMap<>();
        for (DomainRegistration registration : registrations) {
            if (registration == null) {
                throw InvalidConfigurationException.of("domains", "must not contain null");
            }
            if (map.putIfAbsent(registration.name(), registration) != null) {
                throw InvalidConfigurationException.of("domains",
                        "registers '" + registration.name() + "' twice; domain names must be unique");
            }
        }
        this.byName = java.util.Collections.unmodifiableMap(map);
    }

    @Override
    public DomainRegistration lookup(String domain) {
        DomainRegistration registration = domain == null ? null : byName.get(domain);
        if (registration == null) {
            throw UnknownDomainException.of(domain, byName.keySet());
        }
        return registration;
    }

    @Override
    public Optional<DomainRegistration> find(String domain) {
        return Optional.ofNullable(domain == null ? null : byName.get(domain));
    }

    @Override
    public List<DomainRegistration> registrations() {
        return List.copyOf(byName.values());
    }

    @Override
    public String toString() {
        return "DomainRegistry" + byName.keySet();
    }
}
