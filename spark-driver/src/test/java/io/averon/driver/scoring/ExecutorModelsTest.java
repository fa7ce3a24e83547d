package io.averon.driver.scoring;

import io.averon.core.artifact.Manifest;
import io.averon.core.artifact.ModelDescription;
import io.averon.core.data.Normalizer;
import io.averon.core.data.SplitSpec;
import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.UpdaterSpec;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The models an executor keeps loaded: a returned copy is lent again to the next task of the same
 * model, and only the models used last are kept (a cross-validation scores many models, each
 * holding native memory). Runs in the driver, as local mode's executor does.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ExecutorModelsTest {

    @Test
    void shouldLendTheSameCopyAgainAndLetGoOfTheLeastRecentlyUsedModelsBeyondTheLimit() {
        SparkSession spark = SparkSession.builder().master("local[1]").appName("executor-models")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            List<ShippedModel> shipped = new ArrayList<>();
            for (int seed = 1; seed <= ExecutorModels.MODELS_KEPT + 1; seed++) { // different weights: different keys
                AveronModel model = ModelFactory.create(ModelSpec.parse("logistic"), new int[] {3}, 2,
                        UpdaterSpec.adam(0.01), seed);
                shipped.add(ShippedModel.broadcast(spark, ScoringModel.of(model, new ModelDescription(List.of("a", "b"),
                        new int[] {3}, Normalizer.none(), SplitSpec.provided(), Map.of("model", "logistic"), seed,
                        new Manifest.DataProvenance("generated", "0", 1, 1)))));
            }
            ShippedModel first = shipped.get(0);
            AveronModel lent = ExecutorModels.borrow(first);
            ExecutorModels.giveBack(first, lent);
            assertSame(lent, ExecutorModels.borrow(first), "the copy given back is lent to the next task");
            AveronModel second = ExecutorModels.borrow(first);
            assertNotSame(lent, second, "a task running at the same time gets its own copy");
            ExecutorModels.giveBack(first, lent);
            ExecutorModels.giveBack(first, second);

            for (ShippedModel other : shipped.subList(1, shipped.size())) { // MODELS_KEPT other models, used after
                ExecutorModels.giveBack(other, ExecutorModels.borrow(other));
            }
            assertEquals(shipped.subList(1, shipped.size()).stream().map(ShippedModel::key).toList(),
                    ExecutorModels.keptKeys(), "the least recently used model was let go");
            AveronModel reloaded = ExecutorModels.borrow(first);
            assertNotSame(lent, reloaded, "a model let go is loaded again from its broadcast bytes");
            assertNotSame(second, reloaded);
        } finally {
            spark.stop();
        }
    }
}
