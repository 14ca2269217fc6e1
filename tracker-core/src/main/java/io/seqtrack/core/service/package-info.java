/** The application service implementing {@link io.seqtrack.core.port.in.SequenceTracker}. */
package io.seqtrack.core.service;
