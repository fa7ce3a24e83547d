package io.averon.driver.ml;

import org.apache.spark.connect.proto.Expression;
import org.apache.spark.connect.proto.MlOperator;
import org.apache.spark.connect.proto.MlParams;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Transformer;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connect.ml.MLUtils$;
import org.apache.spark.sql.connect.service.SessionHolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Spark Connect ML (Spark 4 line only): the Connect server builds the estimators a client names
 * from the stages registered in {@code META-INF/services/org.apache.spark.ml.Estimator} and
 * {@code ...Transformer}. This drives the server's own code path, {@code MLUtils.getEstimator}, with
 * the protobuf message a client sends (the estimator's class name, a uid, params as literals), and
 * checks that it yields Averon's estimator with those params. The JVM Connect client itself has no ML
 * API (Spark's Scala client offers none), so the client side is PySpark's, untested here.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SparkConnectRegistrationTest {

    @Test
    void shouldBuildAveronEstimatorsWithTheirParamsWhenAConnectClientNamesThem() {
        SparkSession spark = MlData.spark("connect-registration");
        try {
            SessionHolder session = SessionHolder.apply("user", UUID.randomUUID().toString(),
                    (org.apache.spark.sql.classic.SparkSession) spark);
            MlOperator classifier = MlOperator.newBuilder().setName(AveronClassifier.class.getName())
                    .setUid("averonClassifier_connect").setType(MlOperator.OperatorType.OPERATOR_TYPE_ESTIMATOR).build();
            MlParams params = MlParams.newBuilder()
                    .putParams("epochs", Expression.Literal.newBuilder().setInteger(3).build())
                    .putParams("model", Expression.Literal.newBuilder().setString("logistic").build())
                    .putParams("learningRate", Expression.Literal.newBuilder().setDouble(0.05).build()).build();
            Estimator<?> built = MLUtils$.MODULE$.getEstimator(session, classifier, scala.Option.apply(params));
            AveronClassifier averon = assertInstanceOf(AveronClassifier.class, built);
            assertEquals("averonClassifier_connect", averon.uid());
            assertEquals(3, averon.getEpochs());
            assertEquals("logistic", averon.getModel());
            assertEquals(0.05, averon.getLearningRate());

            MlOperator regressor = MlOperator.newBuilder().setName(AveronRegressor.class.getName()).setUid("r")
                    .setType(MlOperator.OperatorType.OPERATOR_TYPE_ESTIMATOR).build();
            assertInstanceOf(AveronRegressor.class, MLUtils$.MODULE$.getEstimator(session, regressor, scala.Option.empty()));

            // the models are registered as transformers (what loading a saved model through Connect looks up)
            scala.collection.immutable.Map<String, Class<?>> transformers = MLUtils$.MODULE$.loadOperators(Transformer.class);
            assertEquals(AveronClassificationModel.class, transformers.apply(AveronClassificationModel.class.getName()));
            assertEquals(AveronRegressionModel.class, transformers.apply(AveronRegressionModel.class.getName()));
        } finally {
            spark.stop();
        }
    }
}
