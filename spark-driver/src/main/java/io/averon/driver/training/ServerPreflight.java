package io.averon.driver.training;

import io.averon.ps.ParameterServerUnreachableException;
import io.averon.ps.ServerProbe;
import org.apache.spark.SparkEnv;
import scala.collection.Iterator;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;

/**
 * One preflight task: probes the parameter server from this executor and returns "" or what went
 * wrong (returned, not thrown, so that Spark does not retry a check whose answer will not change).
 */
final class ServerPreflight extends AbstractFunction1<Iterator<Integer>, Iterator<String>> implements Serializable {

    private static final long serialVersionUID = 1L;
    private final String serverHost;
    private final int serverPort;
    private final String jobName;
    private final byte[] secret;
    private final long timeoutMs;

    /** The job's name and secret reach the executor inside the Spark task, like the training plan's. */
    ServerPreflight(String serverHost, int serverPort, String jobName, byte[] secret, long timeoutMs) {
        this.serverHost = serverHost;
        this.serverPort = serverPort;
        this.jobName = jobName;
        this.secret = secret.clone();
        this.timeoutMs = timeoutMs;
    }

    @Override
    public Iterator<String> apply(Iterator<Integer> ignored) {
        SparkEnv env = SparkEnv.get();
        String host = env.blockManager().blockManagerId().host();
        String problem = "";
        try {
            ServerProbe.check(serverHost, serverPort, host, jobName, secret, timeoutMs);
        } catch (ParameterServerUnreachableException e) {
            problem = "executor " + env.executorId() + ": " + e.getMessage();
        }
        return scala.collection.Iterator$.MODULE$.single(problem);
    }
}
