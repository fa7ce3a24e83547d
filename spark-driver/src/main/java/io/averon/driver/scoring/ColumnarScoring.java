package io.averon.driver.scoring;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Scores one partition of Spark's columnar batches (a Parquet or ORC scan's): each batch's features
 * are read from their column vector a minibatch at a time, and each output row is a view of the
 * batch's other columns (not copied) joined to the record's {@link PredictionValues}. A batch is
 * scored whole before its rows go out, and its rows are out before the next batch is read: the
 * reader reuses its batch. Minibatches do not span column batches (a batch ends at a row group or
 * file), so a column batch whose size is not a multiple of the minibatch ends in a short one.
 */
record ColumnarScoring(ShippedModel model, int batchSize, int features, int[] kept, PredictionValues predictions) {

    /** The scored rows of {@code batches}, in order (lazily). */
    Iterator<InternalRow> score(Iterator<ColumnarBatch> batches) {
        FeatureBatch minibatch = MinibatchScoring.batchFor(model, batchSize);
        return new Iterator<>() {
            private ColumnarBatch keptColumns;
            private InternalRow[] scored = new InternalRow[0];
            /** Per record of the minibatch being scored: why it cannot be, or null. */
            private final String[] errors = new String[batchSize];
            private int rows;
            private int next;

            @Override
            public boolean hasNext() {
                while (next == rows && batches.hasNext()) {
                    score(batches.next());
                }
                return next < rows;
            }

            @Override
            public InternalRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int row = next++;
                return new JoinedRow(keptColumns.getRow(row), scored[row]);
            }

            private void score(ColumnarBatch batch) {
                rows = batch.numRows();
                next = 0;
                ColumnVector[] columns = new ColumnVector[kept.length];
                for (int i = 0; i < kept.length; i++) {
                    columns[i] = batch.column(kept[i]);
                }
                keptColumns = new ColumnarBatch(columns, rows);
                if (scored.length < rows) {
                    scored = new InternalRow[rows];
                }
                ColumnVector featureColumn = batch.column(features);
                for (int from = 0; from < rows; from += batchSize) {
                    int to = Math.min(rows, from + batchSize);
                    for (int r = from; r < to; r++) {
                        errors[r - from] = minibatch.add(featureColumn, r);
                    }
                    float[][] outputs = minibatch.forward(model);
                    for (int r = from, k = 0; r < to; r++) {
                        String error = errors[r - from];
                        scored[r] = predictions.of(error, error == null ? outputs[k++] : null);
                    }
                }
            }
        };
    }
}
