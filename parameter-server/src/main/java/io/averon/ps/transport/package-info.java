/**
 * Aeron plumbing: embedded media drivers, each with its own Aeron directory that is removed on
 * close (two executors on one host must never share or leak one; the tasks of one job in one JVM
 * share one, {@link io.averon.ps.transport.SharedMediaDriver}); the channels; one-frame messages,
 * their signed frames and bounded offers; and the per-peer streams a sender drains without waiting
 * ({@link io.averon.ps.transport.Outbox}).
 */
package io.averon.ps.transport;
