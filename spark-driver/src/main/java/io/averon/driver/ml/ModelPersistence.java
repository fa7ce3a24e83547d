package io.averon.driver.ml;

import io.averon.core.InvalidInputException;
import io.averon.core.io.Location;
import io.averon.driver.scoring.ScoringModel;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;

import java.io.IOException;

/**
 * Saving and loading the Averon models: a directory with Spark ML's standard metadata (written
 * and read by Spark's own {@code DefaultParamsWritable} / {@code DefaultParamsReadable} machinery,
 * so {@code PipelineModel.load} recognises the stage) and {@code model.zip}, Averon's model file,
 * verified (checksums) when it is loaded.
 */
final class ModelPersistence {

    /** The model file inside a saved model's directory. */
    static final String MODEL_FILE = "model.zip";

    private ModelPersistence() {
    }

    /** Writes the metadata with Spark's writer, then model.zip beside it. */
    static final class Writer extends MLWriter {
        private final AveronPredictionModel<?> model;
        private final MLWriter metadata;

        Writer(AveronPredictionModel<?> model, MLWriter metadata) {
            this.model = model;
            this.metadata = metadata;
        }

        @Override
        public void saveImpl(String path) {
            ScoringModel scoring = model.scoringModel();
            try {
                metadata.session(sparkSession()).save(path);
            } catch (IOException e) {
                throw new InvalidInputException(path + ": cannot write the model's metadata (" + e.getMessage() + ")");
            }
            scoring.write(file(path, sc().hadoopConfiguration()));
        }
    }

    /** Reads the metadata with Spark's reader (which makes the model with its uid and sets its params), then model.zip. */
    static final class Reader<M extends AveronPredictionModel<M>> extends MLReader<M> {
        @Override
        public M load(String path) {
            M model = new DefaultParamsReadable<M>() { }.read().session(sparkSession()).load(path);
            model.attach(ScoringModel.read(file(path, sc().hadoopConfiguration())), null);
            return model;
        }
    }

    /** {@code dir/model.zip}, resolved as Spark resolves {@code dir} (a plain path is on the default file system). */
    static Location file(String dir, Configuration conf) {
        Path path = new Path(dir, MODEL_FILE);
        try {
            FileSystem fs = path.getFileSystem(conf);
            return Location.of(fs.makeQualified(path).toString(), conf);
        } catch (IOException e) {
            throw new InvalidInputException(dir + ": cannot open its file system (" + e.getMessage() + ")");
        }
    }
}
