package io.averon.driver.ml;

import io.averon.core.InvalidInputException;
import io.averon.driver.data.FeatureColumn;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/** Schema checks and output schemas shared by the Averon estimators and models; every refusal is one line. */
final class StageSchema {

    /** How a features column is encoded. */
    enum FeatureKind { VECTOR, NUMBERS, BYTES }

    private StageSchema() {
    }

    /** The encoding of {@code params}' features column in {@code schema}, or a refusal naming it. */
    static FeatureKind features(StructType schema, AveronParams params) {
        String column = params.getFeaturesCol();
        DataType type = column(schema, "featuresCol", column);
        if (SQLDataTypes.VectorType().equals(type)) {
            return FeatureKind.VECTOR;
        }
        if (type instanceof ArrayType array && array.elementType() instanceof NumericType) {
            return FeatureKind.NUMBERS;
        }
        if (FeatureColumn.isBytes(type)) {
            return FeatureKind.BYTES;
        }
        throw new InvalidInputException("featuresCol '" + column + "' is " + type.simpleString()
                + "; it must be a Spark ML vector, an array of numbers, or binary with one byte per value");
    }

    /** The vector size the features column's ML attributes record, or -1 when unknown or not a vector. */
    static int knownWidth(StructType schema, AveronParams params, FeatureKind kind) {
        if (kind != FeatureKind.VECTOR) {
            return -1;
        }
        return org.apache.spark.ml.attribute.AttributeGroup.fromStructField(schema.apply(params.getFeaturesCol())).size();
    }

    /** Checks the label column: numbers (class indices for a classifier). */
    static void label(StructType schema, AveronParams params, boolean classifier) {
        String column = params.getLabelCol();
        DataType type = column(schema, "labelCol", column);
        if (!(type instanceof NumericType)) {
            throw new InvalidInputException("labelCol '" + column + "' is " + type.simpleString() + (classifier
                    ? "; it must hold class indices 0, 1, ... as numbers (index names with StringIndexer)"
                    : "; it must hold numbers"));
        }
    }

    /**
     * Checks the held-out rows' indicator column when one is set: a boolean column, not given together
     * with a validationFraction (two ways of choosing the held-out rows).
     */
    static void validationIndicator(StructType schema, AveronParams params) {
        String column = params.getValidationIndicatorCol();
        if (column == null) {
            return;
        }
        DataType type = column(schema, "validationIndicatorCol", column);
        if (!type.equals(DataTypes.BooleanType)) {
            throw new InvalidInputException("validationIndicatorCol '" + column + "' is " + type.simpleString()
                    + "; it must be boolean (true = a held-out row)");
        }
        if (params.isSet(params.validationFraction())) {
            throw new InvalidInputException("both validationIndicatorCol and validationFraction are set; the held-out "
                    + "rows are either marked or drawn at random: set one");
        }
    }

    /**
     * {@code schema} with the columns scoring appends (prediction, for a classifier probability and
     * raw prediction, then the error), refused when one is already there or two share a name.
     */
    static StructType withOutputs(StructType schema, AveronParams params, boolean classifier) {
        Set<String> taken = new HashSet<>(Arrays.asList(schema.fieldNames()));
        StructType out = schema;
        out = add(out, taken, "predictionCol", params.getPredictionCol(), DataTypes.DoubleType);
        if (classifier) {
            ClassifierParams c = (ClassifierParams) params;
            out = add(out, taken, "probabilityCol", c.getProbabilityCol(), SQLDataTypes.VectorType());
            out = add(out, taken, "rawPredictionCol", c.getRawPredictionCol(), SQLDataTypes.VectorType());
        }
        return add(out, taken, "errorCol", params.getErrorCol(), DataTypes.StringType);
    }

    private static StructType add(StructType schema, Set<String> taken, String param, String column, DataType type) {
        if (column == null || column.isBlank()) {
            throw new InvalidInputException(param + " is empty; give the output column a name");
        }
        if (!taken.add(column)) {
            throw new InvalidInputException(param + " '" + column + "': the input already has this column, or "
                    + "another output is named so; rename or drop it");
        }
        return schema.add(column, type, true);
    }

    private static DataType column(StructType schema, String param, String column) {
        if (column == null || schema.getFieldIndex(column).isEmpty()) {
            throw new InvalidInputException(param + " '" + column + "': no such column; columns: "
                    + Arrays.toString(schema.fieldNames()));
        }
        return schema.apply(column).dataType();
    }
}
