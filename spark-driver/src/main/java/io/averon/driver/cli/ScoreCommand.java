package io.averon.driver.cli;

import io.averon.core.AveronException;
import io.averon.core.InvalidInputException;
import io.averon.core.io.Location;
import io.averon.driver.data.AveronDataset;
import io.averon.driver.scoring.BatchScorer;
import io.averon.driver.scoring.ScoringCounts;
import io.averon.driver.scoring.ScoringModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code averon score}: a Spark job that scores a data set with a trained model and writes one
 * row per input record (see {@link BatchScorer}); records that cannot be scored go to
 * {@code <output>/_rejects} with the reason. The output appears complete or not at all.
 */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Score a data set with a model.zip in a Spark job; write predictions as Parquet or CSV.")
final class ScoreCommand implements Callable<Integer> {

    enum Format { PARQUET, CSV }

    @Spec
    CommandSpec command;

    @Option(names = "--model", required = true, paramLabel = "URI", description = "A model.zip written by train")
    String model;

    @Option(names = "--input", required = true, paramLabel = "URI",
            description = "A data set written by 'averon import', or Parquet files with a features column")
    String input;

    @Option(names = "--output", required = true, paramLabel = "URI", description = "The directory to write")
    String output;

    @Option(names = "--format", defaultValue = "parquet", paramLabel = "parquet|csv",
            description = "Output format. Default: ${DEFAULT-VALUE}")
    Format format;

    @Option(names = "--top-k", defaultValue = "" + BatchScorer.DEFAULT_TOP_K, paramLabel = "K",
            description = "Classes listed per record, best first. Default: ${DEFAULT-VALUE}")
    int topK;

    @Option(names = "--batch-size", defaultValue = "" + BatchScorer.DEFAULT_BATCH_SIZE, paramLabel = "B",
            description = "Records per forward pass. Default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--features-column", defaultValue = AveronDataset.FEATURES, paramLabel = "NAME",
            description = "The input's features column (an array of numbers, or binary with one byte 0-255 per value). Default: ${DEFAULT-VALUE}")
    String featuresColumn;

    @Option(names = "--verify-key", paramLabel = "FILE",
            description = "Refuse the model unless it is signed by this Ed25519 public key (PEM, from averon keygen)")
    java.nio.file.Path verifyKey;

    @Option(names = "--overwrite", description = "Replace --output if it exists")
    boolean overwrite;

    @Option(names = "--master", description = "Spark master (default: spark-submit's, else local[*])")
    String master;

    @Override
    public Integer call() {
        BatchScorer.Options options = new BatchScorer.Options(featuresColumn, topK, batchSize);
        Location target = Location.of(output);
        // everything that can be refused is refused before Spark starts
        try (RunDirectory staged = RunDirectory.forSparkOutput(target, overwrite, "--output")) {
            ScoringModel scoring = ScoringModel.read(Location.of(model), ModelKeys.read(null, verifyKey).readPolicy());
            Location source = Location.of(input);
            if (!source.exists()) {
                throw new InvalidInputException(input + ": no such file or directory");
            }
            long read;
            long rejected;
            long scored;
            try (SparkSessions.Session session = SparkSessions.start("score", master)) {
                SparkSession spark = session.spark();
                spark.sparkContext().setJobDescription("averon score " + input);
                Dataset<Row> rows = AveronDataset.isDataset(source) ? AveronDataset.read(spark, source)
                        : readParquet(spark, source);
                ScoringCounts counts = ScoringCounts.register(spark);
                Dataset<Row> all = BatchScorer.score(scoring, rows, options, counts);
                Column failed = functions.col(BatchScorer.ERROR).isNotNull();
                Dataset<Row> good = all.filter(functions.not(failed)).drop(BatchScorer.ERROR);
                Dataset<Row> bad = all.filter(failed).withColumnRenamed(BatchScorer.ERROR, AveronDataset.REASON)
                        .drop(BatchScorer.PREDICTED, BatchScorer.PROBABILITY, BatchScorer.TOP_K, BatchScorer.VALUE);
                // one pass scores and counts every record; the rejects are found by a second pass only when
                // the first counted some (a record is rejected for what it holds: the second finds the same)
                write(good, staged.staging());
                scored = counts.scored();
                rejected = counts.rejected();
                write(rejected > 0 ? bad.coalesce(1) : spark.createDataFrame(List.of(), bad.schema()),
                        staged.staging().child(AveronDataset.REJECTS));
                read = rows.count();
            }
            if (scored + rejected != read) {
                throw new AveronException("scored " + scored + " + rejected " + rejected + " != read " + read
                        + "; the output was not committed");
            }
            staged.commit();
            command.commandLine().getOut().printf(Locale.ROOT, "scored %,d + rejected %,d = read %,d; wrote %s%n",
                    scored, rejected, read, target);
            return AveronCli.EXIT_OK;
        }
    }

    private static Dataset<Row> readParquet(SparkSession spark, Location source) {
        try {
            return spark.read().parquet(source.hadoopPath().toString());
        } catch (Exception e) { // Spark's AnalysisException (checked, though no signature says so)
            throw new InvalidInputException(source + ": not a Parquet data set (" + AveronCli.oneLine(e.getMessage())
                    + ")");
        }
    }

    private void write(Dataset<Row> rows, Location to) {
        if (format == Format.CSV) {
            if (java.util.Arrays.asList(rows.columns()).contains(BatchScorer.TOP_K)) {
                rows = rows.withColumn(BatchScorer.TOP_K, functions.to_json(functions.col(BatchScorer.TOP_K)));
            }
            rows.write().mode(SaveMode.ErrorIfExists).option("header", "true")
                    .option("escape", "\"") // RFC 4180: a quote inside a quoted field is doubled, not backslashed
                    .csv(to.hadoopPath().toString());
        } else {
            rows.write().mode(SaveMode.ErrorIfExists).parquet(to.hadoopPath().toString());
        }
    }
}
