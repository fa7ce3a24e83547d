/**
 * Runnable lessons, written only against Averon's public API, the way a user's code would be.
 */
package io.averon.examples;
