/**
 * The technology compatibility kit for {@link io.seqtrack.core.port.out.SequenceStore} adapters: extend
 * {@link io.seqtrack.tck.SequenceStoreContract}, supply a fresh store and a way to move its clock, and run it as
 * your adapter's test. Green means the adapter keeps every guarantee the SPI documents.
 */
package io.seqtrack.tck;
