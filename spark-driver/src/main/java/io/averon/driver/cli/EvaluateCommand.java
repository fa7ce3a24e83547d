package io.averon.driver.cli;

import io.averon.driver.run.MetricsFile;
import io.averon.core.artifact.Manifest;
import io.averon.core.artifact.ModelArtifact;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.DataSources;
import io.averon.core.data.DataSpec;
import io.averon.core.io.Location;
import io.averon.core.model.ModelCheck;
import io.averon.core.runtime.NativeRuntime;
import io.averon.core.runtime.NativeSettings;
import io.averon.core.train.EvaluationResult;
import io.averon.core.train.Evaluator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code averon evaluate}: metrics of a saved model on the held-out split of a data set (the same
 * split, classes and normalisation the model was trained with).
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate a model.zip on the test split of a data set.")
final class EvaluateCommand implements Callable<Integer>, SettingOptions.Bound {

    @Spec
    CommandSpec command;

    @Option(names = "--model", required = true, paramLabel = "MODEL.zip",
            description = "A model written by train (a path, file:// or hdfs://)")
    String model;

    @Mixin
    DataOptions data;

    @Option(names = "--json", description = "Print the metrics as JSON (the 'final' object of metrics.json)")
    boolean json;

    @Mixin
    ThreadsOption threads;

    @Option(names = "--verify-key", paramLabel = "FILE",
            description = "Refuse the model unless it is signed by this Ed25519 public key (PEM, from averon keygen)")
    java.nio.file.Path verifyKey;

    @Override
    public java.util.List<io.averon.core.settings.Setting<?>> settings() {
        return io.averon.core.data.DataSpec.SETTINGS;
    }

    @Override
    public Integer call() throws Exception {
        int nativeThreads = threads.orAllCores();
        ModelKeys keys = ModelKeys.read(null, verifyKey);
        ModelArtifact artifact = ModelArtifact.read(ModelArtifact.readBytes(Location.of(model)), model, keys.readPolicy(),
                convolutional -> NativeRuntime.configure(new NativeSettings(nativeThreads, convolutional)));
        Manifest m = artifact.manifest();
        DataSpec spec = data.toSpec(!m.isClassification());
        ArrayDataSet test = DataSources.loadForEvaluation(spec, m.classNames(), m.inputShape(), m.normalizer(), m.split());
        ModelCheck.checkFits(artifact.model(), test, model);
        EvaluationResult result = Evaluator.evaluate(artifact.model(), test);
        java.io.PrintWriter out = command.commandLine().getOut();
        if (json) {
            out.println(MetricsFile.JSON.writeValueAsString(result.toJson()));
        } else {
            out.printf("model %s on %s (%,d examples)%n", model, test.name(), test.size());
            out.print(result.formatReport());
            out.println();
        }
        out.flush();
        return AveronCli.EXIT_OK;
    }
}
