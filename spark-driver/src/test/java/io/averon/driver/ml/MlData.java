package io.averon.driver.ml;

import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/** Small generated data and a local Spark session for the Spark ML stage tests. */
final class MlData {

    static final List<String> SPECIES = List.of("alpha", "beta", "gamma");

    private MlData() {
    }

    static SparkSession spark(String app) {
        return SparkSession.builder().master("local[2]").appName(app).config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4").getOrCreate();
    }

    /**
     * A CSV {@code id,a,b,c,d,species} of {@code rows} rows of {@code classes} separable Gaussian
     * blobs (class k centred at 3 on column k mod 4, scaled and shifted per column so that scaling pays).
     */
    static Path blobsCsv(Path file, int rows, int classes, long seed) throws IOException {
        Random random = new Random(seed);
        StringBuilder csv = new StringBuilder("id,a,b,c,d,species\n");
        double[] scale = {1, 10, 0.1, 100};
        double[] shift = {0, 50, -3, 1000};
        for (int i = 0; i < rows; i++) {
            int k = random.nextInt(classes);
            csv.append(i);
            for (int f = 0; f < 4; f++) {
                double v = random.nextGaussian() * 0.7 + (f == k % 4 ? 3 : 0);
                csv.append(String.format(Locale.ROOT, ",%.6f", v * scale[f] + shift[f]));
            }
            csv.append(',').append(SPECIES.get(k)).append('\n');
        }
        Files.writeString(file, csv, StandardCharsets.UTF_8);
        return file;
    }
}
