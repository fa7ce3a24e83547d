package io.averon.driver.data;

import io.averon.core.artifact.Manifest;
import io.averon.core.data.ArrayDataSet;
import io.averon.core.data.Labels;
import io.averon.core.data.Normalizer;
import io.averon.core.data.SplitSpec;

import java.util.Arrays;
import java.util.List;

/**
 * What an engine learned about its training input before training: the classes, the shape of one
 * example, the normalisation fitted on the training part, the split, the sizes and where the data
 * came from. Models are built and checked against it, and model.zip records it.
 *
 * @param classNames class names, index = label; empty for regression
 * @param normalizer the training part's normalisation (identity when the input was given normalised)
 */
public record InputFacts(List<String> classNames, int[] shape, Normalizer normalizer, SplitSpec split,
                         Manifest.DataProvenance provenance) {

    public InputFacts {
        classNames = List.copyOf(classNames);
        shape = shape.clone();
    }

    public long trainSize() {
        return provenance.trainExamples();
    }

    public long testSize() {
        return provenance.testExamples();
    }

    /**
     * One all-zero example of this shape and these classes: enough to build a model for the data and
     * check that it fits, without reading any records.
     */
    public ArrayDataSet probe() {
        int width = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        return new ArrayDataSet(provenance.source(), shape, new float[width], classNames.isEmpty()
                ? new Labels.Targets(new float[1]) : new Labels.Classes(new int[1], classNames));
    }

    /** The facts of a data set loaded in this JVM from {@code source} (as given: a path, URI or name). */
    public static InputFacts of(io.averon.core.data.TrainTestData data, String source) {
        return new InputFacts(data.train().classNames(), data.train().exampleShape(), data.normalizer(), data.split(),
                new Manifest.DataProvenance(source, data.train().fingerprint(), data.train().size(),
                        data.test().size()));
    }
}
