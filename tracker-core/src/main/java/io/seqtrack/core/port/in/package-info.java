/**
 * The inbound port: {@link io.seqtrack.core.port.in.SequenceTracker}, the use case event processors call with their
 * events. Its implementation lives in {@code io.seqtrack.core.service}.
 */
package io.seqtrack.core.port.in;
