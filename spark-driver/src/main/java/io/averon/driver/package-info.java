/**
 * Averon's driver side: the command line ({@code cli}) and the engines that run training. Today
 * the local engine; the Spark engine (sharding, barrier-stage training, distributed evaluation,
 * batch scoring) joins {@code core} and {@code parameter-server} here.
 */
package io.averon.driver;
