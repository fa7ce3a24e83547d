package io.averon.driver.cli;

import io.averon.core.artifact.Manifest;
import io.averon.core.artifact.ModelArtifact;
import io.averon.core.artifact.ReadPolicy;
import io.averon.core.artifact.SigningKey;
import io.averon.core.artifact.SigningKeys;
import io.averon.core.artifact.VerifyKey;
import io.averon.core.io.Location;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Model signing from the command line: {@code averon keygen} makes an Ed25519 key pair,
 * {@code averon sign} signs existing model files, {@code averon verify} checks them against a
 * public key. None of them loads a model into ND4J.
 */
final class SigningCommands {

    private SigningCommands() {
    }

    /** {@code averon keygen --out DIR}. */
    @Command(name = "keygen", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Write a new Ed25519 key pair for model signing: DIR/" + SigningKeys.PRIVATE_KEY_FILE
                    + " (private, chmod 600; for train --sign-key and sign) and DIR/" + SigningKeys.PUBLIC_KEY_FILE
                    + " (public; for --verify-key).")
    static final class Keygen implements Callable<Integer> {

        @Spec
        CommandSpec command;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory for the two key files")
        Path out;

        @Override
        public Integer call() {
            SigningKeys.Written written = SigningKeys.generate(out);
            command.commandLine().getOut().printf("wrote %s (private: keep it secret, chmod 600) and %s (public)%n",
                    written.privateKey(), written.publicKey());
            return AveronCli.EXIT_OK;
        }
    }

    /** {@code averon sign --key FILE MODEL...}. */
    @Command(name = "sign", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Sign model.zip files (or checkpoints) in place with an Ed25519 private key; their checksums "
                    + "are verified first.")
    static final class Sign implements Callable<Integer> {

        @Spec
        CommandSpec command;

        @Option(names = "--key", required = true, paramLabel = "FILE",
                description = "The private key (PEM, from averon keygen)")
        Path key;

        @Parameters(arity = "1..*", paramLabel = "MODEL.zip", description = "Model files (paths or URIs)")
        java.util.List<String> models;

        @Override
        public Integer call() {
            SigningKey signer = SigningKey.read(key);
            for (String model : models) {
                Manifest manifest = ModelArtifact.sign(Location.of(model), signer);
                command.commandLine().getOut().printf("signed %s (%s, %,d parameters)%n", model,
                        manifest.modelKind(), manifest.parameterCount());
            }
            return AveronCli.EXIT_OK;
        }
    }

    /** {@code averon verify --key FILE MODEL...}. */
    @Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Check that model.zip files are signed by an Ed25519 public key and intact; exit 2 naming "
                    + "the first that is not.")
    static final class Verify implements Callable<Integer> {

        @Spec
        CommandSpec command;

        @Option(names = "--key", required = true, paramLabel = "FILE",
                description = "The public key (PEM, from averon keygen)")
        Path key;

        @Parameters(arity = "1..*", paramLabel = "MODEL.zip", description = "Model files (paths or URIs)")
        java.util.List<String> models;

        @Override
        public Integer call() {
            ReadPolicy policy = ReadPolicy.verifiedWith(VerifyKey.read(key));
            for (String model : models) {
                Manifest manifest = ModelArtifact.check(Location.of(model), policy);
                command.commandLine().getOut().printf("%s: signature verifies, every entry matches its SHA-256 "
                        + "(%s, %,d parameters, created %s)%n", model, manifest.modelKind(), manifest.parameterCount(),
                        manifest.created());
            }
            return AveronCli.EXIT_OK;
        }
    }
}
