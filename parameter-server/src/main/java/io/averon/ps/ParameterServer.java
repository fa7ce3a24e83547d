package io.averon.ps;

import io.aeron.Aeron;
import io.averon.ps.round.RoundStateStore;
import io.averon.ps.transport.Channels;
import io.averon.ps.transport.EmbeddedMediaDriver;
import io.averon.ps.transport.HandshakeSocket;
import io.averon.ps.transport.Ports;
import io.averon.ps.transport.SessionSubscriptions;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * The parameter server: receives workers' contributions over Aeron UDP, closes synchronous
 * averaging rounds and sends the averaged parameters to every worker on its own stream. All round state is owned by one agent
 * thread ({@link ServerAgent}); this class starts and stops it.
 *
 * <pre>{@code
 * try (ParameterServer server = ParameterServer.start(context)) {
 *     ... workers connect with ParameterServerClient ...
 * }
 * }</pre>
 */
public final class ParameterServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ParameterServer.class);

    private final ServerContext context;
    private final EmbeddedMediaDriver driver;
    private final Aeron aeron;
    private final ServerCounters counters;
    private final long incarnation;
    private final AgentRunner runner;

    private ParameterServer(ServerContext context) {
        this.context = context;
        this.counters = new ServerCounters(context.rounds().expectedWorkers());
        this.incarnation = io.averon.ps.protocol.Nonces.next();
        EmbeddedMediaDriver embedded = null;
        Aeron client = null;
        SessionSubscriptions ingress = null;
        HandshakeSocket handshake = null;
        try {
            Optional<RoundStateStore.SavedState> saved = Optional.empty();
            RoundStateStore store = null;
            if (context.stateDirectory() != null) {
                store = new RoundStateStore(context.stateDirectory());
                saved = store.load();
            } else if (context.initialState() != null) {
                saved = Optional.of(context.initialState());
            }
            if (context.aeronDirectory() == null) {
                embedded = EmbeddedMediaDriver.launch("ps");
                client = embedded.aeron();
            } else {
                client = Aeron.connect(EmbeddedMediaDriver.clientContext(context.aeronDirectory()));
            }
            ingress = new SessionSubscriptions(client, context.bindHost(), context.port(), Channels.TO_SERVER_STREAM,
                    Ports.receiverWindowBytes(context.termLength(), context.mtuBytes()));
            handshake = HandshakeSocket.bind(context.bindHost(), context.port() + 1, context.mtuBytes());
            if (store != null) {
                saved.ifPresent(st -> LOG.info("resuming from {}: last closed round {}", context.stateDirectory(), st.round()));
            } else {
                saved.ifPresent(st -> LOG.info("rounds continue after round {}, from the state the trainer gave", st.round()));
            }
            ServerAgent agent = new ServerAgent(context, incarnation, ingress, handshake, client, store,
                    saved.orElse(null), counters);
            this.driver = embedded;
            this.aeron = client;
            this.runner = new AgentRunner(new BackoffIdleStrategy(), e -> LOG.error("parameter server agent error", e),
                    null, agent);
        } catch (RuntimeException e) {
            CloseHelper.quietCloseAll(ingress, handshake);
            if (embedded != null) {
                embedded.close();
            } else {
                CloseHelper.quietClose(client);
            }
            throw e;
        }
        AgentRunner.startOnThread(runner);
        LOG.info("parameter server started: {} (incarnation {})", context, incarnation);
        LOG.info("timeouts: {}", io.averon.ps.transport.Timeouts.describe(context.rounds()));
    }

    /** Validates nothing further (the context already is), binds, and starts the agent thread. */
    public static ParameterServer start(ServerContext context) {
        return new ParameterServer(context);
    }

    public ServerContext context() {
        return context;
    }

    /** Changes on every start; workers must rejoin a restarted server. */
    public long incarnation() {
        return incarnation;
    }

    /** The Aeron directory of the server's media driver (its own, or the external one it uses). */
    public String aeronDirectory() {
        return aeron.context().aeronDirectoryName();
    }

    public ServerCounters.Snapshot counters() {
        return counters.snapshot();
    }

    /** {@link ServerCounters#roundLagMsThrough}: per worker, the round lag summed up to round {@code round}. */
    public long[] roundLagMsThrough(long round) {
        return counters.roundLagMsThrough(round);
    }

    /** Stops the agent, then releases Aeron (and the embedded driver with its directory). */
    @Override
    public void close() {
        try {
            CloseHelper.quietClose(runner);
        } finally {
            if (driver != null) {
                driver.close();
            } else {
                CloseHelper.quietClose(aeron);
            }
        }
        LOG.info("parameter server stopped: {}", counters.snapshot());
    }
}
