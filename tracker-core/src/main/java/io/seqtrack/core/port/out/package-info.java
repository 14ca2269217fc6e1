/**
 * Driven ports: what the tracker needs from the world. {@link io.seqtrack.core.port.out.SequenceStore} is the SPI
 * store adapters implement; the {@code tracker-tck} module holds the contract suite that defines "done" for them.
 */
package io.seqtrack.core.port.out;
