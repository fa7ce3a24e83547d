/**
 * Files and directories on any Hadoop FileSystem ({@link io.averon.core.io.Location}: local, HDFS,
 * ...), and file output that never leaves a half-written file behind: write to a temporary name,
 * sync, rename.
 */
package io.averon.core.io;
