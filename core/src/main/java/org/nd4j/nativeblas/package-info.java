/**
 * Holds only {@link org.nd4j.nativeblas.Nd4jCpu}, a forwarding shim under the class name that
 * DL4J 1.0.0-M2.1's oneDNN check still uses. Not part of Averon's API.
 */
package org.nd4j.nativeblas;
