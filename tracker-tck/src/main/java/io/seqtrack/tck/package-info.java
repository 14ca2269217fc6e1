/**
 * The technology compatibility kit for store adapters: extend {@link io.seqtrack.tck.SequenceStoreContract} (supply a
 * fresh {@link io.seqtrack.core.port.out.SequenceStore} and a way to move its clock) and
 * {@link io.seqtrack.tck.EventBufferContract} (supply a fresh {@link io.seqtrack.core.port.out.EventBuffer}), and run
 * them as your adapter's tests. Green means the adapter keeps every guarantee the SPIs document.
 */
package io.seqtrack.tck;
