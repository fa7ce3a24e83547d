/**
 * The {@code averon} command line (picocli). Exit codes: 0 success, 2 bad input or usage (one
 * line naming the file/record and the problem), 1 internal failure.
 */
package io.averon.driver.cli;
