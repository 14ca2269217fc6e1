/**
 * The technology compatibility kit for store adapters: extend {@link io.seqtrack.tck.SequenceStoreContract} (supply a
 * fresh {@link io.seqtrack.core.port.out.SequenceStore} and a way to move its clock) and
 * {@link io.seqtrack.tck.EventBufferContract} (supply a fresh {@link io.seqtrack.core.port.out.EventBuffer}), and run
 * them as your adapter's tests. Green means the adapter keeps every guarantee the SPIs document.
 *
 * <p>For end-to-end tests of inbound (broker) adapters: record every handler run, commit and park of a test run in a
 * {@link io.seqtrack.tck.HandlerHistory} and judge it with {@link io.seqtrack.tck.HandlerHistoryCheck} (exactly once
 * per committed outcome, in order, fencing tokens unique and respected); add the broker's own records and checks.
 */
package io.seqtrack.tck;
