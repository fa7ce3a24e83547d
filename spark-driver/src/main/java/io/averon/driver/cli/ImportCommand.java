package io.averon.driver.cli;

import io.averon.core.data.BadRecordException;
import io.averon.core.data.DataSources;
import io.averon.core.data.DataSpec;
import io.averon.core.io.Location;
import io.averon.driver.data.AveronDataset;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code averon import}: copies an IDX directory, a CSV file or an image folder to an Averon
 * Parquet data set ({@link AveronDataset}) on any Hadoop file system, for {@code train --data}
 * and {@code score --input}. Bad records go to {@code _rejects} (or, with {@code --strict}, fail
 * the import); the output appears only complete.
 */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Copy an IDX directory, CSV file or image folder to a partitioned Parquet data set.")
final class ImportCommand implements Callable<Integer>, SettingOptions.Bound {

    private static final Logger LOG = LoggerFactory.getLogger(ImportCommand.class);

    @Spec
    CommandSpec command;

    @Option(names = "--from", required = true, paramLabel = "fashion-mnist|PATH|URI",
            description = "fashion-mnist, a directory of MNIST-style IDX files, a CSV file or an image folder")
    String from;

    @Option(names = "--to", required = true, paramLabel = "URI", description = "The data set directory to write "
            + "(a path, file:// or hdfs://)")
    String to;

    @Mixin
    SourceOptions source;

    @Option(names = "--regression", description = "CSV: the label is a number to predict, not a class")
    boolean regression;

    @Option(names = "--strict", description = "Fail on the first bad record instead of writing it to _rejects")
    boolean strict;

    @Option(names = "--overwrite", description = "Replace --to if it exists")
    boolean overwrite;

    @Option(names = "--master", description = "Spark master (default: spark-submit's, else local[*])")
    String master;

    @Override
    public java.util.List<io.averon.core.settings.Setting<?>> settings() {
        return java.util.List.of(io.averon.core.data.DataSpec.LABEL_COLUMN, io.averon.core.data.DataSpec.HEADER, io.averon.core.data.DataSpec.IMAGE_SIZE, io.averon.core.data.DataSpec.CHANNELS);
    }

    @Override
    public Integer call() {
        DataSpec spec = source.builder(from, regression).build();
        Location target = Location.of(to);
        try (RunDirectory output = RunDirectory.forSparkOutput(target, overwrite, "--to")) {
            List<BadRecordException> rejects = new ArrayList<>();
            DataSources.RawData raw = DataSources.readRaw(spec, strict ? null : rejects::add);
            for (BadRecordException bad : rejects) {
                LOG.warn("rejected {}: {}", bad.record(), bad.reason());
            }
            AveronDataset.Summary summary;
            try (SparkSessions.Session session = SparkSessions.start("import", master)) {
                SparkSession spark = session.spark();
                summary = AveronDataset.write(spark, raw, from, rejects, output.staging());
            }
            output.commit();
            command.commandLine().getOut().printf(Locale.ROOT, "imported %,d records %s + rejected %,d = read %,d; "
                            + "wrote %s%n", summary.accepted(), summary.metadata().counts(), summary.rejected(),
                    summary.read(), target);
            return AveronCli.EXIT_OK;
        }
    }
}
