package io.seqtrack.core.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.seqtrack.core.domain.InvalidConfigurationException;
import io.seqtrack.core.domain.TrackingMode;
import io.seqtrack.core.domain.UnknownDomainException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class DomainRegistryTest {

    private static DomainRegistration domain(String name, TrackingMode mode) {
        return DomainRegistration.builder(name).mode(mode).build();
    }

    @Test
    void seedDefaults() {
        DomainRegistry registry = DomainRegistry.seedDefaults();

        assertThat(registry.registrations()).extracting(DomainRegistration::name)
                .containsExactly("user_account", "company", "chat");
        assertThat(registry.lookup("user_account").mode()).isEqualTo(TrackingMode.STRICT);
        assertThat(registry.lookup("company").mode()).isEqualTo(TrackingMode.STRICT);
        assertThat(registry.lookup("chat").mode()).isEqualTo(TrackingMode.DISABLED);
        // everything else is the builder's defaults
        assertThat(registry.lookup("user_account")).isEqualTo(DomainRegistration.builder("user_account").build());
        assertThat(registry.lookup("chat"))
                .isEqualTo(DomainRegistration.builder("chat").mode(TrackingMode.DISABLED).build());
    }

    @Test
    void lookupAndFindReturnTheRegistration() {
        DomainRegistration ledger = domain("ledger", TrackingMode.MONOTONIC);
        DomainRegistration chat = domain("chat", TrackingMode.DISABLED);
        DomainRegistry registry = DomainRegistry.of(ledger, chat);

        assertThat(registry.lookup("ledger")).isSameAs(ledger);
        assertThat(registry.lookup("chat")).isSameAs(chat);
        assertThat(registry.find("ledger")).containsSame(ledger);
        assertThat(registry.find("nope")).isEmpty();
        assertThat(registry.find(null)).isEmpty();
    }

    @Test
    void lookupIsExactNotCaseInsensitiveOrTrimmed() {
        DomainRegistry registry = DomainRegistry.seedDefaults();
        assertThat(registry.find("Chat")).isEmpty();
        assertThat(registry.find(" chat")).isEmpty();
        assertThatThrownBy(() -> registry.lookup("CHAT")).isInstanceOf(UnknownDomainException.class);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"user_acount", "orders", "USER_ACCOUNT"})
    void unknownDomainListsTheRegisteredNames(String name) {
        DomainRegistry registry = DomainRegistry.seedDefaults();
        assertThatThrownBy(() -> registry.lookup(name))
                .isInstanceOfSatisfying(UnknownDomainException.class, e -> {
                    assertThat(e.domain()).isEqualTo(name);
                    assertThat(e.getMessage())
                            .contains("'" + name + "'")
                            .contains("[user_account, company, chat]");
                });
    }

    @Test
    void emptyRegistryKnowsNothing() {
        DomainRegistry registry = DomainRegistry.of(List.of());
        assertThat(registry.registrations()).isEmpty();
        assertThatThrownBy(() -> registry.lookup("chat"))
                .isInstanceOf(UnknownDomainException.class)
                .hasMessageContaining("[]");
    }

    @Test
    void duplicateNamesAreRejectedNamingTheDomain() {
        assertThatThrownBy(() -> DomainRegistry.of(
                domain("chat", TrackingMode.DISABLED),
                domain("company", TrackingMode.STRICT),
                domain("chat", TrackingMode.STRICT)))
                .isInstanceOfSatisfying(InvalidConfigurationException.class, e -> {
                    assertThat(e.field()).isEqualTo("domains");
                    assertThat(e.getMessage()).contains("'chat'").contains("twice");
                });
    }

    @Test
    void identicalRegistrationTwiceIsStillADuplicate() {
        DomainRegistration chat = domain("chat", TrackingMode.DISABLED);
        assertThatThrownBy(() -> DomainRegistry.of(List.of(chat, chat)))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("'chat'");
    }

    @Test
    void nullsAreRejectedNamingDomains() {
        assertThatThrownBy(() -> DomainRegistry.of((Collection<DomainRegistration>) null))
                .isInstanceOfSatisfying(InvalidConfigurationException.class,
                        e -> assertThat(e.field()).isEqualTo("domains"));
        assertThatThrownBy(() -> DomainRegistry.of((DomainRegistration[]) null))
                .isInstanceOfSatisfying(InvalidConfigurationException.class,
                        e -> assertThat(e.field()).isEqualTo("domains"));
        assertThatThrownBy(() -> DomainRegistry.of(domain("chat", TrackingMode.DISABLED), null))
                .isInstanceOfSatisfying(InvalidConfigurationException.class, e -> {
                    assertThat(e.field()).isEqualTo("domains");
                    assertThat(e.getMessage()).contains("null");
                });
    }

    @Test
    void registrationsKeepTheGivenOrderAndAreImmutable() {
        List<DomainRegistration> given = new ArrayList<>(List.of(
                domain("zeta", TrackingMode.STRICT),
                domain("alpha", TrackingMode.MONOTONIC),
                domain("mid", TrackingMode.DISABLED)));
        DomainRegistry registry = DomainRegistry.of(given);

        assertThat(registry.registrations()).containsExactlyElementsOf(given);
        assertThatThrownBy(() -> registry.registrations().clear()).isInstanceOf(UnsupportedOperationException.class);

        // later changes to the caller's collection do not leak into the registry
        given.clear();
        given.add(domain("other", TrackingMode.STRICT));
        assertThat(registry.registrations()).extracting(DomainRegistration::name)
                .containsExactly("zeta", "alpha", "mid");
        assertThat(registry.find("other")).isEmpty();
    }

    @Test
    void varargsArrayChangesDoNotLeakIntoTheRegistry() {
        DomainRegistration[] array = {domain("chat", TrackingMode.DISABLED)};
        DomainRegistry registry = DomainRegistry.of(array);
        array[0] = domain("company", TrackingMode.STRICT);
        assertThat(Arrays.asList(array)).extracting(DomainRegistration::name).containsExactly("company");
        assertThat(registry.lookup("chat").mode()).isEqualTo(TrackingMode.DISABLED);
        assertThat(registry.find("company")).isEmpty();
    }

    @Test
    void toStringListsTheNames() {
        assertThat(DomainRegistry.seedDefaults().toString()).contains("user_account", "company", "chat");
    }
}
