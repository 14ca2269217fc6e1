/**
 * Processor configuration from files. {@link io.seqtrack.processor.config.RegistryLoader} reads the domain registry
 * from YAML and reports every problem as a {@link io.seqtrack.processor.config.RegistryFileException} naming the file,
 * the line and the field.
 */
package io.seqtrack.processor.config;
