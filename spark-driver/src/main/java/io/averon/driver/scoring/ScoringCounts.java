package io.averon.driver.scoring;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

import java.io.Serializable;

/**
 * The records a scoring job scored and rejected, counted by its tasks as they make each record's
 * prediction values (Spark accumulators: each partition's counts are added once, from the attempt
 * that succeeded). They count every computation of the scored rows: read them after the one action
 * that computed them all (the write of the scored rows), so that no extra job counts.
 */
public final class ScoringCounts implements Serializable {

    private final LongAccumulator scored;
    private final LongAccumulator rejected;

    private ScoringCounts(LongAccumulator scored, LongAccumulator rejected) {
        this.scored = scored;
        this.rejected = rejected;
    }

    /** New counts, registered with {@code spark}'s context (they show in the Spark UI's stage pages). */
    public static ScoringCounts register(SparkSession spark) {
        return new ScoringCounts(spark.sparkContext().longAccumulator("averon scored records"),
                spark.sparkContext().longAccumulator("averon rejected records"));
    }

    /** Counts one record: scored, or rejected (with a reason). */
    void count(boolean wasScored) {
        (wasScored ? scored : rejected).add(1);
    }

    public long scored() {
        return scored.value();
    }

    public long rejected() {
        return rejected.value();
    }
}
