package io.averon.ps;

import io.averon.ps.protocol.ChunkAssembler;
import io.averon.ps.protocol.MessageHeader;
import io.averon.ps.protocol.MessageType;
import io.averon.ps.protocol.Payloads;
import io.averon.ps.protocol.Refusal;
import org.agrona.DirectBuffer;

/**
 * What the server answered this worker, from messages {@link ServerStream} found checked and fresh:
 * the JOIN_ACK, the REFUSED of what the worker waits for (turned into an exception by its code,
 * {@link RefusalExceptions}), and the AVERAGED chunks of the awaited round, reassembled into one
 * preallocated vector. Used by the worker's one calling thread.
 */
final class ServerAnswers {

    private final JoinSession join;
    private final int workerId;
    private final String serverName;
    private final float[] averaged;
    private final ChunkAssembler averagedChunks;
    private long ackRound = -1;
    private boolean globalFollows;
    private long awaitedRound = -1;
    private boolean averagedComplete;
    private Refusal refusalCode;
    private String refusal;

    ServerAnswers(JoinSession join, int workerId, int vectorLength, String serverName) {
        this.join = join;
        this.workerId = workerId;
        this.serverName = serverName;
        this.averaged = new float[vectorLength];
        this.averagedChunks = new ChunkAssembler(averaged);
    }

    /** A new join: nothing of an earlier join's answers counts. */
    void beginJoin() {
        ackRound = -1;
        refusal = null;
        globalFollows = false;
        averagedComplete = false;
    }

    /** The result of {@code round} is awaited from now on: what arrived before of any round is forgotten. */
    void await(long round) {
        awaitedRound = round;
        averagedComplete = false;
        refusal = null;
        averagedChunks.clear();
    }

    long awaitedRound() {
        return awaitedRound;
    }

    /** The JOIN_ACK's last closed round, or -1 before it arrived. */
    long ackRound() {
        return ackRound;
    }

    /** Whether the JOIN_ACK said the global vector follows. */
    boolean globalFollows() {
        return globalFollows;
    }

    boolean averagedComplete() {
        return averagedComplete;
    }

    /** The awaited vector, once complete; reused by the next round. */
    RoundClient.Averaged averaged(long round) {
        return new RoundClient.Averaged(round, averaged, (int) (averagedChunks.totalLength() / Float.BYTES));
    }

    int receivedChunks() {
        return averagedChunks.receivedChunks();
    }

    /** Throws the exception of a REFUSED that arrived, once. */
    void throwIfRefused(String what) {
        if (refusal != null) {
            String reason = refusal;
            Refusal code = refusalCode;
            refusal = null;
            refusalCode = null;
            throw RefusalExceptions.of(code, serverName, what, reason);
        }
    }

    /** A checked, fresh message; false if its type is none the server sends on its stream. */
    boolean onMessage(MessageType type, DirectBuffer b, int offset) {
        switch (type) {
            case JOIN_ACK -> onJoinAck(b, offset);
            case REFUSED -> {
                // only a refusal of what we are waiting for counts: a refusal of another round (e.g.
                // provoked by someone replaying our old messages) must not abort the current one;
                // the first says why (later ones, e.g. NOT_JOINED, follow from it)
                if (refusal == null && (ackRound < 0 ? MessageHeader.workerId(b, offset) == workerId
                        : MessageHeader.round(b, offset) == awaitedRound)) {
                    refusalCode = Payloads.Refused.code(b, offset);
                    refusal = Payloads.Refused.reason(b, offset);
                }
            }
            case AVERAGED -> {
                if (MessageHeader.round(b, offset) == awaitedRound
                        && averagedChunks.onChunk(b, offset) == ChunkAssembler.Outcome.COMPLETE) {
                    averagedComplete = true;
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private void onJoinAck(DirectBuffer b, int offset) {
        boolean global = (MessageHeader.flags(b, offset) & MessageHeader.FLAG_GLOBAL) != 0;
        long round = Payloads.JoinAck.lastClosedRound(b, offset);
        if (join.isJoined()) { // the answer to a re-request after a gap: the global vector of this round follows
            if (global && round == awaitedRound) {
                averagedChunks.clear();
            }
        } else if (ackRound < 0) {
            globalFollows = global;
            if (globalFollows) { // the AVERAGED may follow in this very poll
                averagedChunks.clear();
                awaitedRound = round;
            }
            ackRound = round;
        }
    }
}
