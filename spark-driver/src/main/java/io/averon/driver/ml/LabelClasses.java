package io.averon.driver.ml;

import io.averon.core.InvalidInputException;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.BinaryAttribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

import java.util.List;
import java.util.stream.IntStream;

/**
 * The class names of a label column of class indices: the values of its nominal ML attribute
 * (what {@code StringIndexer} records), else {@code 0 .. k-1} for the largest index k-1 in the data.
 */
final class LabelClasses {

    private LabelClasses() {
    }

    static List<String> of(Dataset<?> data, String column) {
        Attribute attribute = Attribute.fromStructField(data.schema().apply(column));
        if (attribute instanceof NominalAttribute nominal) {
            if (nominal.values().isDefined()) {
                return List.of(nominal.values().get());
            }
            if (nominal.numValues().isDefined()) {
                return indices((Integer) nominal.numValues().get());
            }
        }
        if (attribute instanceof BinaryAttribute binary && binary.values().isDefined()) {
            return List.of(binary.values().get());
        }
        org.apache.spark.SparkContext sc = data.sparkSession().sparkContext();
        Row range;
        String description = sc.getLocalProperty("spark.job.description"); // the caller's, given back after
        sc.setJobDescription("averon: class indices of labelCol '" + column + "'");
        try {
            range = data.agg(functions.min(column), functions.max(column)).first();
        } finally {
            sc.setJobDescription(description);
        }
        if (range.isNullAt(0)) {
            throw new InvalidInputException("labelCol '" + column + "' has no values");
        }
        double min = ((Number) range.get(0)).doubleValue();
        double max = ((Number) range.get(1)).doubleValue();
        if (min < 0 || max != Math.rint(max) || max >= Integer.MAX_VALUE) {
            throw new InvalidInputException("labelCol '" + column + "' holds " + (min < 0 ? min : max)
                    + "; class indices are whole numbers 0, 1, ... (index names with StringIndexer)");
        }
        return indices((int) max + 1);
    }

    private static List<String> indices(int classes) {
        return IntStream.range(0, classes).mapToObj(Integer::toString).toList();
    }
}
