package io.averon.driver.training;

import io.averon.core.model.AveronModel;
import io.averon.core.model.ModelFactory;
import io.averon.core.model.ModelSpec;
import io.averon.core.model.UpdaterSpec;
import io.averon.ps.ClientContext;
import io.averon.ps.ParameterServer;
import io.averon.ps.ParameterServerClient;
import io.averon.ps.ServerContext;
import io.averon.ps.round.RoundSettings;
import io.averon.ps.transport.Ports;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The runtimes of the distributed engine together in one JVM: Spark {@code local[2]} runs a
 * barrier stage; each task trains its own DL4J replica on its own data and averages it through
 * the Aeron parameter server hosted by the driver. Both tasks end with the same parameters, the
 * sample-weighted mean of what they pushed.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SparkBarrierAveragingTest {

    private static final byte[] SECRET = "spark-barrier-test-secret-0123456789".getBytes(StandardCharsets.US_ASCII);
    private static final int FEATURES = 4;
    private static final int CLASSES = 3;

    @Test
    void shouldAverageReplicasTrainedInBarrierTasksThroughTheParameterServer() throws Exception {
        long parameters = ModelFactory.create(ModelSpec.parse("logistic"), new int[] {FEATURES}, CLASSES,
                UpdaterSpec.adam(0.01), 1).numParams();
        int port = Ports.freeUdpPortPair();
        ServerContext server = ServerContext.builder().bind("127.0.0.1", port).job("spark-test", SECRET)
                .model(parameters, 0, new byte[32]).rounds(RoundSettings.builder().expectedWorkers(2).build())
                .mtu(1408, 64 * 1024).build();
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("averon-barrier-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        try (ParameterServer ps = ParameterServer.start(server); JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setJobGroup("averon", "averon barrier averaging test", false);
            // RDD.barrier() exists only in the Scala API
            List<float[]> results = sc.parallelize(Arrays.asList(0, 1), 2).rdd().barrier()
                    .mapPartitions(new TrainAndAverage(port, (int) parameters), false,
                            scala.reflect.ClassTag$.MODULE$.apply(float[].class))
                    .toJavaRDD().collect();
            assertEquals(4, results.size(), "each task returns what it pushed and what it got back");
            float[] pushed0 = results.get(0);
            float[] averaged0 = results.get(1);
            float[] pushed1 = results.get(2);
            float[] averaged1 = results.get(3);
            float[] expected = new float[pushed0.length];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = (float) ((100.0 * pushed0[i] + 300.0 * pushed1[i]) / 400.0);
            }
            assertArrayEquals(expected, averaged0, "task 0 holds the weighted mean");
            assertArrayEquals(averaged0, averaged1, "both replicas end identical");
            assertEquals(1, ps.counters().roundsClosed());
        }
    }

    /** One barrier task: train a logistic replica on its own data, push, take the average. */
    static final class TrainAndAverage
            extends scala.runtime.AbstractFunction1<scala.collection.Iterator<Integer>, scala.collection.Iterator<float[]>>
            implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final int port;
        private final int parameters;

        TrainAndAverage(int port, int parameters) {
            this.port = port;
            this.parameters = parameters;
        }

        @Override
        public scala.collection.Iterator<float[]> apply(scala.collection.Iterator<Integer> ignored) {
            BarrierTaskContext task = BarrierTaskContext.get();
            int worker = task.partitionId();
            int samples = worker == 0 ? 100 : 300;
            AveronModel model = ModelFactory.create(ModelSpec.parse("logistic"), new int[] {FEATURES}, CLASSES,
                    UpdaterSpec.adam(0.01), 1);
            Random random = new Random(worker);
            float[] x = new float[samples * FEATURES];
            float[] y = new float[samples * CLASSES];
            for (int i = 0; i < samples; i++) {
                int label = random.nextInt(CLASSES);
                y[i * CLASSES + label] = 1;
                for (int f = 0; f < FEATURES; f++) {
                    x[i * FEATURES + f] = (float) (random.nextGaussian() + (f == label ? 2 : 0));
                }
            }
            INDArray features = Nd4j.create(x, new long[] {samples, FEATURES}, 'c');
            INDArray labels = Nd4j.create(y, new long[] {samples, CLASSES}, 'c');
            for (int step = 0; step < 5; step++) {
                model.fit(features, labels);
            }
            float[] pushed = model.params().dup().castTo(DataType.FLOAT).toFloatVector();
            task.barrier(); // both replicas trained before anyone syncs
            ClientContext context = ClientContext.builder().server("127.0.0.1", port).job("spark-test", SECRET)
                    .worker(worker, task.attemptNumber()).model(parameters, 0, new byte[32]).mtu(1408, 64 * 1024)
                    .build();
            try (ParameterServerClient client = ParameterServerClient.connect(context)) {
                long round = client.join() + 1;
                ParameterServerClient.Averaged avg = client.pushAndAwait(round, pushed, parameters, samples, 60_000);
                float[] averaged = Arrays.copyOf(avg.values(), avg.count());
                model.setParams(Nd4j.createFromArray(averaged).reshape(model.params().shape()));
                List<float[]> out = new ArrayList<>();
                out.add(pushed);
                out.add(model.params().dup().castTo(DataType.FLOAT).toFloatVector());
                return scala.collection.JavaConverters.asScalaIterator(out.iterator());
            }
        }
    }
}
