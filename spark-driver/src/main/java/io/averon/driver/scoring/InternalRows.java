package io.averon.driver.scoring;

import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * A DataFrame over an RDD of Spark's internal rows. Spark has no public call for it (its own data
 * sources and ML stages use the session's {@code internalCreateDataFrame}, package-private in Scala,
 * a public method in the bytecode of Spark 3.5's {@code SparkSession} and 4.x's classic one): the
 * alternative, {@code createDataFrame} from {@code Row}s, converts every value of every record.
 */
final class InternalRows {

    private InternalRows() {
    }

    /** The rows of {@code rows} (each of {@code schema}) as a DataFrame of {@code spark}. */
    @SuppressWarnings("unchecked")
    static Dataset<Row> dataFrame(SparkSession spark, RDD<InternalRow> rows, StructType schema) {
        try {
            Method create = spark.getClass().getMethod("internalCreateDataFrame", RDD.class, StructType.class,
                    boolean.class);
            return (Dataset<Row>) create.invoke(spark, rows, schema, false);
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new IllegalStateException("this Spark (" + spark.version() + ") has no internalCreateDataFrame", e);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }
}
