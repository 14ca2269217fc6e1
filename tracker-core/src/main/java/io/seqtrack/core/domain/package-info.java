/**
 * The pure domain of seqtrack: aggregate keys, tracking modes, verdicts, the classification rule and the
 * exception hierarchy. Nothing here performs I/O or reads a clock.
 */
package io.seqtrack.core.domain;
