package io.averon.core.artifact;

import io.averon.core.InvalidInputException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Set;

/**
 * Ed25519 key files for model signing, in the PEM forms OpenSSL writes: the private key as PKCS#8
 * ({@code -----BEGIN PRIVATE KEY-----}, what {@code openssl genpkey -algorithm ed25519} prints) and
 * the public key as X.509 SubjectPublicKeyInfo ({@code -----BEGIN PUBLIC KEY-----}, what
 * {@code openssl pkey -pubout} prints). Only the JDK's own Ed25519 provider is used.
 */
public final class SigningKeys {

    /** File name of the private key {@link #generate} writes. */
    public static final String PRIVATE_KEY_FILE = "averon-signing.key";
    /** File name of the public key {@link #generate} writes. */
    public static final String PUBLIC_KEY_FILE = "averon-signing.pub";

    static final String ALGORITHM = "Ed25519";
    private static final String PRIVATE_LABEL = "PRIVATE KEY";
    private static final String PUBLIC_LABEL = "PUBLIC KEY";
    private static final long MAX_KEY_FILE_BYTES = 64 * 1024;

    /** The two files {@link #generate} wrote. */
    public record Written(Path privateKey, Path publicKey) {
    }

    private SigningKeys() {
    }

    /**
     * Writes a new key pair into {@code directory} (created if missing): {@value #PRIVATE_KEY_FILE}
     * with permissions 600 and {@value #PUBLIC_KEY_FILE}. Existing files are never replaced.
     */
    public static Written generate(Path directory) {
        Path privateFile = directory.resolve(PRIVATE_KEY_FILE);
        Path publicFile = directory.resolve(PUBLIC_KEY_FILE);
        for (Path file : new Path[] {privateFile, publicFile}) {
            if (Files.exists(file)) {
                throw new InvalidInputException(file + " already exists; keys are never overwritten (move it away "
                        + "or choose another directory)");
            }
        }
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no Ed25519", e);
        }
        try {
            Files.createDirectories(directory);
            writePrivate(privateFile, pem(PRIVATE_LABEL, pair.getPrivate().getEncoded()));
            Files.writeString(publicFile, pem(PUBLIC_LABEL, pair.getPublic().getEncoded()), StandardCharsets.US_ASCII);
        } catch (FileAlreadyExistsException e) {
            throw new InvalidInputException(e.getFile() + " already exists; keys are never overwritten");
        } catch (IOException e) {
            throw new InvalidInputException(directory + ": cannot write the keys (" + e.getMessage() + ")");
        }
        return new Written(privateFile, publicFile);
    }

    /** Creates {@code file} readable by its owner only before any key byte is written. */
    private static void writePrivate(Path file, String text) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file); // not a POSIX file system: the directory's own protection applies
        }
        Files.writeString(file, text, StandardCharsets.US_ASCII);
    }

    static PrivateKey readPrivate(Path file) {
        byte[] der = decode(file, PRIVATE_LABEL, PUBLIC_LABEL, "a private key (" + PRIVATE_KEY_FILE + ")");
        refuseShared(file);
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new InvalidInputException(file + ": not an Ed25519 private key (" + e.getMessage() + ")");
        }
    }

    static PublicKey readPublic(Path file) {
        byte[] der = decode(file, PUBLIC_LABEL, PRIVATE_LABEL, "a public key (" + PUBLIC_KEY_FILE + ")");
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new InvalidInputException(file + ": not an Ed25519 public key (" + e.getMessage() + ")");
        }
    }

    /** A private key readable by group or others is refused: whoever reads it can sign models. */
    private static void refuseShared(Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.contains(PosixFilePermission.GROUP_READ) || permissions.contains(PosixFilePermission.OTHERS_READ)) {
                throw new InvalidInputException(file + ": the signing key is readable by group or others; chmod 600 "
                        + file);
            }
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + ": no such file");
        } catch (IOException | UnsupportedOperationException e) {
            // permissions unknown (not a POSIX file system): nothing to check
        }
    }

    private static byte[] decode(Path file, String label, String otherLabel, String expected) {
        String text;
        try {
            if (Files.size(file) > MAX_KEY_FILE_BYTES) {
                throw new InvalidInputException(file + ": too large for a key file; expected " + expected);
            }
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + ": no such file");
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read (" + e.getMessage() + ")");
        }
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) {
            String found = text.contains("-----BEGIN " + otherLabel + "-----") ? " (it holds a " + otherLabel + ")" : "";
            throw new InvalidInputException(file + ": not a PEM '" + begin + "' file" + found + "; expected " + expected);
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(file + ": bad base64 in the PEM block (" + e.getMessage() + ")");
        }
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }
}
