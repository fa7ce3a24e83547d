package io.averon.driver.data;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.averon.core.InvalidInputException;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.BadRecordException;
import io.averon.core.data.DataSources;
import io.averon.core.data.Labels;
import io.averon.core.data.Normalizer;
import io.averon.core.data.SplitSpec;
import io.averon.core.io.AtomicFiles;
import io.averon.core.io.Location;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Averon's Parquet data set, what {@code averon import} writes and {@code train --data} and
 * {@code score --input} read: a directory of Parquet files partitioned by {@code split}
 * ({@code split=train/}, {@code split=test/}, or {@code split=all/} for a source without a
 * held-out part), with columns {@code id} (long, the record's position in the source),
 * {@code label} (class name, or a number for regression) and {@code features}, the raw values:
 * for images whose values are all whole numbers 0-255 {@code binary} with one unsigned byte per
 * pixel (metadata {@code features_encoding: uint8}), otherwise an array of floats (CSV numbers as
 * written; {@code float32}). Beside them, hidden from Spark's readers:
 * {@value #METADATA} (shape, classes, counts, where it came from) and {@value #REJECTS} (the
 * records import skipped, with where they were and why).
 */
public final class AveronDataset {

    public static final String METADATA = "_averon.json";
    public static final String REJECTS = "_rejects";
    public static final String FORMAT = "averon-dataset";
    public static final String ID = "id";
    public static final String LABEL = "label";
    public static final String FEATURES = "features";
    public static final String SPLIT = "split";
    public static final String RECORD = "record";
    public static final String REASON = "reason";
    public static final String UINT8 = "uint8";
    public static final String FLOAT32 = "float32";

    /** Records per Parquet file written by import. */
    static final int RECORDS_PER_FILE = 8192;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The metadata file.
     *
     * @param kind   what the records are: {@code image} (pixels, scaled by 1/255 for training) or
     *               {@code table} (CSV columns, standardised with the training split's statistics)
     * @param featuresEncoding {@value #UINT8} (binary, a byte per value) or {@value #FLOAT32} (array of floats)
     * @param counts           records per split
     */
    public record Metadata(String format, int version, String kind, int[] shape,
                           @JsonProperty("class_names") List<String> classNames, boolean regression, String source,
                           @JsonProperty("features_encoding") String featuresEncoding, Map<String, Long> counts,
                           long rejected) {

        public boolean image() {
            return "image".equals(kind);
        }

        /** Whether the source had its own held-out part ({@code split=test}). */
        public boolean hasTestSplit() {
            return counts.containsKey("test");
        }

        public long accepted() {
            return counts.values().stream().mapToLong(Long::longValue).sum();
        }

        /**
         * A one-example stand-in with this data set's shape and classes (all zeros), to build and check
         * a model on the driver without reading any records.
         */
        public io.averon.core.data.ArrayDataSet probe(String name) {
            int width = java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            return new io.averon.core.data.ArrayDataSet(name, shape, new float[width], regression
                    ? new io.averon.core.data.Labels.Targets(new float[1])
                    : new io.averon.core.data.Labels.Classes(new int[1], classNames));
        }
    }

    /** What an import wrote. */
    public record Summary(Metadata metadata, long accepted, long rejected) {
        public long read() {
            return accepted + rejected;
        }
    }

    private AveronDataset() {
    }

    /**
     * The data set that {@code --data SOURCE} names if it is one written by {@code averon import}, else
     * null (IDX, CSV and image sources, and the built-in {@code fashion-mnist}).
     */
    public static Location named(String source) {
        if (io.averon.core.data.DataSpec.FASHION_MNIST.equals(source)) {
            return null;
        }
        Location location = Location.of(source);
        return isDataset(location) ? location : null;
    }

    /** Whether {@code dir} is an Averon data set (has its metadata file). */
    public static boolean isDataset(Location dir) {
        return dir.isDirectory() && dir.child(METADATA).isFile();
    }

    /** Reads and checks {@code dir}'s metadata file. */
    public static Metadata metadata(Location dir) {
        Location file = dir.child(METADATA);
        try (InputStream in = file.open()) {
            Metadata m = JSON.readValue(in, Metadata.class);
            if (!FORMAT.equals(m.format()) || m.version() != 1 || m.shape() == null || m.counts() == null) {
                throw new InvalidInputException(file + ": not an averon-dataset version 1 metadata file");
            }
            return m;
        } catch (IOException e) {
            throw new InvalidInputException(file + ": unreadable (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    /** All records of the data set at {@code dir}: {@code id, label, features, split}. */
    public static Dataset<Row> read(SparkSession spark, Location dir) {
        return spark.read().parquet(dir.hadoopPath().toString());
    }

    /**
     * Writes {@code raw} (and the records its read rejected) as a data set in {@code dir}, which
     * must not exist yet: callers write to a staging directory and rename it into place.
     */
    public static Summary write(SparkSession spark, DataSources.RawData raw, String source,
                                List<BadRecordException> rejects, Location dir) {
        ArrayDataSet first = raw.parts().values().iterator().next();
        boolean regression = !first.isClassification();
        boolean bytes = raw.kind() != DataSources.Kind.CSV && raw.parts().values().stream()
                .allMatch(d -> FeatureColumn.fitsBytes(d.features()));
        List<Chunk> chunks = new ArrayList<>();
        Map<String, Long> counts = new LinkedHashMap<>();
        long id = 0;
        for (Map.Entry<String, ArrayDataSet> part : raw.parts().entrySet()) {
            ArrayDataSet data = part.getValue();
            int width = data.featureLength();
            for (int from = 0; from < data.size(); from += RECORDS_PER_FILE) {
                int to = Math.min(data.size(), from + RECORDS_PER_FILE);
                float[] x = Arrays.copyOfRange(data.features(), from * width, to * width);
                String[] labels = new String[to - from];
                float[] targets = new float[to - from];
                for (int i = from; i < to; i++) {
                    if (data.labels() instanceof Labels.Classes c) {
                        labels[i - from] = c.classNames().get(c.values()[i]);
                    } else {
                        targets[i - from] = ((Labels.Targets) data.labels()).values()[i];
                    }
                }
                chunks.add(new Chunk(part.getKey(), id + from, width, x, bytes, regression ? null : labels, targets));
            }
            id += data.size();
            counts.put(part.getKey(), (long) data.size());
        }
        StructType schema = new StructType().add(ID, DataTypes.LongType, false)
                .add(LABEL, regression ? DataTypes.DoubleType : DataTypes.StringType, false)
                .add(FEATURES, bytes ? DataTypes.BinaryType : DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add(SPLIT, DataTypes.StringType, false);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<Row> rows = jsc.parallelize(chunks, Math.max(1, chunks.size())).flatMap(Chunk::rows);
        spark.createDataFrame(rows, schema).write().mode(SaveMode.ErrorIfExists).partitionBy(SPLIT)
                .parquet(dir.hadoopPath().toString());
        List<Row> bad = rejects.stream().map(r -> RowFactory.create(r.record(), r.reason())).toList();
        StructType rejectSchema = new StructType().add(RECORD, DataTypes.StringType, false)
                .add(REASON, DataTypes.StringType, false);
        spark.createDataFrame(bad, rejectSchema).coalesce(1).write().mode(SaveMode.ErrorIfExists)
                .parquet(dir.child(REJECTS).hadoopPath().toString());
        Metadata metadata = new Metadata(FORMAT, 1, raw.kind() == DataSources.Kind.CSV ? "table" : "image",
                first.exampleShape(), regression ? List.of() : first.classNames(), regression, source,
                bytes ? UINT8 : FLOAT32, counts, rejects.size());
        try {
            AtomicFiles.write(dir.child(METADATA), out -> JSON.writerWithDefaultPrettyPrinter().writeValue(out, metadata));
        } catch (IOException e) {
            throw new io.averon.core.AveronException(dir.child(METADATA) + ": cannot write (" + e.getMessage() + ")", e);
        }
        return new Summary(metadata, metadata.accepted(), rejects.size());
    }

    /** A data set ready to train on: its split, the normalisation fitted on its training part. */
    public record Training(Metadata metadata, SparkData data, Normalizer normalizer, SplitSpec split, long trainSize,
                           long testSize) {
    }

    /** SHA-256 (hex) of the metadata file: names this version of the data set in a model's provenance. */
    public static String fingerprint(Location dir) {
        try (InputStream in = dir.child(METADATA).open()) {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(in.readAllBytes()));
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new InvalidInputException(dir.child(METADATA) + ": unreadable (" + e.getMessage() + ")");
        }
    }

    /**
     * The data set at {@code dir} as training data: its own {@code test} split if it has one, else
     * the held-out part {@code split} describes, made in Spark from the record ids (random: a seeded
     * hash of the id; time-ordered: the last ids). Images are scaled to [0, 1]; tables are
     * standardised with statistics of the training part, computed in one Spark job. Nothing is
     * read on the driver but the metadata.
     */
    public static Training forTraining(SparkSession spark, Location dir, SplitSpec split) {
        Metadata m = metadata(dir);
        Dataset<Row> all = read(spark, dir);
        Dataset<Row> train;
        Dataset<Row> test;
        SplitSpec used;
        long trainSize;
        long testSize;
        if (m.hasTestSplit()) {
            train = all.filter(functions.col(SPLIT).equalTo("train"));
            test = all.filter(functions.col(SPLIT).equalTo("test"));
            used = SplitSpec.provided();
            trainSize = m.counts().getOrDefault("train", 0L);
            testSize = m.counts().get("test");
        } else {
            used = split.kind() == SplitSpec.Kind.PROVIDED
                    ? new SplitSpec(SplitSpec.Kind.RANDOM, 0.2, split.seed()) : split;
            Column held;
            if (used.kind() == SplitSpec.Kind.TIME_ORDERED) {
                long n = m.accepted();
                held = functions.col(ID).geq(n - Math.round(n * used.validationFraction()));
            } else {
                long buckets = 1_000_000L;
                held = functions.pmod(functions.xxhash64(functions.col(ID), functions.lit(used.seed())),
                        functions.lit(buckets)).lt(Math.round(buckets * used.validationFraction()));
            }
            train = all.filter(functions.not(held));
            test = all.filter(held);
            testSize = test.count();
            trainSize = m.accepted() - testSize;
        }
        Normalizer normalizer = m.image() ? Normalizer.scale(1f / 255f) : standardize(train, m);
        SparkData data = SparkData.fromRows(train, test, FEATURES, LABEL, m.classNames(), m.shape())
                .normalized(normalizer);
        return new Training(m, data, normalizer, used, trainSize, testSize);
    }

    /** Per-feature mean and standard deviation of {@code train}'s features, in one Spark job. */
    private static Normalizer standardize(Dataset<Row> train, Metadata m) {
        int width = java.util.Arrays.stream(m.shape()).reduce(1, (a, b) -> a * b);
        double[] zero = new double[2 * width + 1];
        double[] sums = train.select(FEATURES).javaRDD().treeAggregate(zero, (acc, row) -> {
            List<Object> x = row.getList(0);
            for (int j = 0; j < width && j < x.size(); j++) {
                double v = ((Number) x.get(j)).doubleValue();
                acc[j] += v;
                acc[width + j] += v * v;
            }
            acc[2 * width]++;
            return acc;
        }, (a, b) -> {
            for (int j = 0; j < a.length; j++) {
                a[j] += b[j];
            }
            return a;
        });
        return Normalizer.standardize((long) sums[2 * width], Arrays.copyOfRange(sums, 0, width),
                Arrays.copyOfRange(sums, width, 2 * width));
    }

    /** Up to {@link #RECORDS_PER_FILE} consecutive records of one split, shipped to the task that writes them. */
    private record Chunk(String split, long firstId, int width, float[] features, boolean bytes, String[] labels,
                         float[] targets) implements Serializable {

        java.util.Iterator<Row> rows() {
            List<Row> out = new ArrayList<>(targets.length);
            for (int i = 0; i < targets.length; i++) {
                Object label = labels != null ? labels[i] : (Object) (double) targets[i];
                Object x = bytes ? FeatureColumn.toBytes(features, i * width, (i + 1) * width)
                        : Arrays.copyOfRange(features, i * width, (i + 1) * width);
                out.add(RowFactory.create(firstId + i, label, x, split));
            }
            return out.iterator();
        }
    }
}
