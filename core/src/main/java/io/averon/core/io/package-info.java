/**
 * File output that never leaves a half-written file behind: write to a temporary name, sync, rename.
 */
package io.averon.core.io;
