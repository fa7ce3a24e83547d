/**
 * Aeron plumbing: an embedded media driver per JVM, each with its own Aeron directory that is
 * removed on close (two executors on one host must never share or leak one).
 */
package io.averon.ps.transport;
