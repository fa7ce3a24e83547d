/**
 * The wire protocol (see {@code parameter-server/PROTOCOL.md}): message types, the fixed 96-byte
 * header, the HMAC-SHA256 trailer, and the ordered checks every received message passes before
 * anything of it is copied or allocated.
 */
package io.averon.ps.protocol;
