package io.averon.core.data;

import java.util.HashSet;
import java.util.List;

/**
 * How {@link CsvReader} interprets a CSV file.
 *
 * @param labelColumn the label column: a header name, or a 0-based column index written as digits
 *                    (a value made only of digits is always an index). {@code null} means the last
 *                    column.
 * @param header      {@code true} / {@code false} when the caller knows whether the first row is a
 *                    header; {@code null} to auto-detect: the first row is a header when any of its
 *                    cells other than the label cell is not a number (or when it contains the label
 *                    column's name)
 * @param regression  {@code true}: labels are real-valued targets ({@link Labels.Targets});
 *                    {@code false}: labels are class names ({@link Labels.Classes})
 * @param classNames  for classification only, nullable. When given (e.g. by a trained model at
 *                    evaluation time) these are the classes, in this order, and a label outside the
 *                    list is an error. When {@code null} the classes are the distinct labels of the
 *                    file, sorted numerically if all are integers, else lexicographically.
 */
public record CsvOptions(String labelColumn, Boolean header, boolean regression, List<String> classNames) {

    public CsvOptions {
        if (labelColumn != null) {
            labelColumn = labelColumn.strip();
            if (labelColumn.isEmpty()) {
                throw new IllegalArgumentException("label column must not be blank (use null for the last column)");
            }
        }
        if (classNames != null) {
            if (regression) {
                throw new IllegalArgumentException("class names were given for a regression data set");
            }
            classNames = List.copyOf(classNames);
            if (classNames.size() < 2) {
                throw new IllegalArgumentException("a classifier needs at least 2 class names, got " + classNames);
            }
            if (new HashSet<>(classNames).size() != classNames.size()) {
                throw new IllegalArgumentException("class names contain duplicates: " + classNames);
            }
        }
    }

    /** Classification, label in the last column, header auto-detected, classes taken from the file. */
    public static CsvOptions defaults() {
        return new CsvOptions(null, null, false, null);
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** The same options with the given class names (as stored in a trained model). */
    public CsvOptions withClassNames(List<String> names) {
        return new CsvOptions(labelColumn, header, regression, names);
    }

    /** Builder for {@link CsvOptions}. */
    public static final class Builder {
        private String labelColumn;
        private Boolean header;
        private boolean regression;
        private List<String> classNames;

        private Builder() {
        }

        /** The label column by header name, or a 0-based index written as digits. */
        public Builder labelColumn(String nameOrIndex) {
            this.labelColumn = nameOrIndex;
            return this;
        }

        /** The label column by 0-based index. */
        public Builder labelColumn(int index) {
            if (index < 0) {
                throw new IllegalArgumentException("label column index must be >= 0, got " + index);
            }
            this.labelColumn = Integer.toString(index);
            return this;
        }

        /** {@code true}/{@code false}, or {@code null} to auto-detect. */
        public Builder header(Boolean hasHeader) {
            this.header = hasHeader;
            return this;
        }

        public Builder regression(boolean isRegression) {
            this.regression = isRegression;
            return this;
        }

        /** The model's class names, or {@code null} to take the classes from the file. */
        public Builder classNames(List<String> names) {
            this.classNames = names;
            return this;
        }

        public CsvOptions build() {
            return new CsvOptions(labelColumn, header, regression, classNames);
        }
    }
}
