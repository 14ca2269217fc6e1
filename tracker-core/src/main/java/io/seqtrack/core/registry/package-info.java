/**
 * The domain registry: which domains exist and how each is tracked. Registrations are immutable and built with
 * validating builders; every rejected value raises an {@link io.seqtrack.core.domain.InvalidConfigurationException}
 * that names the field.
 */
package io.seqtrack.core.registry;
