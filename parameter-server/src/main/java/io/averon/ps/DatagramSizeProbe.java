package io.averon.ps;

import io.averon.ps.transport.Ports;
import io.averon.ps.transport.Timeouts;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * What a joining worker learns when its HELLO, padded to the MTU, goes unanswered (PROTOCOL.md,
 * "Joining"): whether small datagrams get through both ways, and the largest that does. It sends
 * probes (HELLOs with flag bit 3, padded to a size; the server answers each with a CHALLENGE of the
 * same size and keeps nothing): first one of {@link Ports#MIN_MTU_BYTES} until answered, then, in
 * steps of {@link #STEP_MS}, up to {@link #PROBES_PER_STEP} sizes (multiples of 32) between the
 * largest answered and the smallest unanswered one, until they are 32 bytes apart. Decided once
 * that search is done and {@link #VERDICT_HELLOS} padded HELLOs sent after the first small answer
 * went unanswered. Nothing is decided while nothing gets through: the server is then unreachable,
 * which the join's deadline reports. Used by the joining thread; sends through its caller.
 */
final class DatagramSizeProbe {

    /** The padded HELLO unanswered this long: small probes start. */
    static final long START_AFTER_MS = 400;
    /** How often the small probe is repeated until answered. */
    static final long SMALL_INTERVAL_MS = 200;
    /** How long one step of the search waits for its probes' answers (each is sent twice). */
    static final long STEP_MS = 250;
    /** Sizes probed at once in a step. */
    static final int PROBES_PER_STEP = 7;
    /**
     * Padded HELLOs that must go unanswered after small datagrams got through both ways: those of
     * {@link Timeouts#MTU_VERDICT_MS} (one every {@link WorkerJoin#HELLO_INTERVAL_MS}), so that
     * random loss (of a fragment of each, too) does not pass for a smaller MTU.
     */
    static final int VERDICT_HELLOS = (int) (Timeouts.MTU_VERDICT_MS / WorkerJoin.HELLO_INTERVAL_MS);

    private static final int UNIT = Ports.FRAME_HEADER_BYTES;

    /** Sends one probe datagram of the given length. */
    @FunctionalInterface
    interface Sender {
        void send(int datagramBytes);
    }

    private final int mtuBytes;
    private final long startNs;
    /** Largest size (in 32-byte units) answered both ways; 0 while the small probe is unanswered. */
    private int lo;
    /** Smallest size (in units) taken to be lost: the MTU until a probe below it went unanswered. */
    private int hi;
    private final int[] step = new int[PROBES_PER_STEP];
    private final boolean[] answered = new boolean[PROBES_PER_STEP];
    private int stepSize;
    private long stepStartNs;
    private boolean stepResent;
    private long nextSmallNs;
    private int hellosSinceSmallAnswer;
    private int serverMtu;
    private int helloBytesAtServer;

    /** For a join whose first padded HELLO of {@code mtuBytes} went out at {@code startNs}. */
    DatagramSizeProbe(int mtuBytes, long startNs) {
        this.mtuBytes = mtuBytes;
        this.startNs = startNs;
        this.hi = mtuBytes / UNIT;
        this.nextSmallNs = startNs + TimeUnit.MILLISECONDS.toNanos(START_AFTER_MS);
    }

    /** A padded HELLO was sent (again). */
    void helloSent() {
        if (lo > 0) {
            hellosSinceSmallAnswer++;
        }
    }

    /** Sends the probes due at {@code nowNs}. */
    void poll(long nowNs, Sender sender) {
        if (mtuBytes <= Ports.MIN_MTU_BYTES) {
            return; // the padded HELLO is as small as a probe: nothing to learn
        }
        if (lo == 0) {
            if (nowNs - nextSmallNs >= 0) {
                sender.send(Ports.MIN_MTU_BYTES);
                nextSmallNs = nowNs + TimeUnit.MILLISECONDS.toNanos(SMALL_INTERVAL_MS);
            }
            return;
        }
        long sinceStep = nowNs - stepStartNs;
        if (stepSize > 0 && (allAnswered() || sinceStep >= TimeUnit.MILLISECONDS.toNanos(STEP_MS))) {
            endStep();
        }
        if (stepSize == 0 && hi - lo > 1) {
            startStep(nowNs, sender);
        } else if (stepSize > 0 && !stepResent && sinceStep >= TimeUnit.MILLISECONDS.toNanos(STEP_MS / 2)) {
            for (int i = 0; i < stepSize; i++) {
                if (!answered[i]) {
                    sender.send(step[i] * UNIT); // once more: a probe may be lost like any datagram
                }
            }
            stepResent = true;
        }
    }

    /** A probe's answer: a CHALLENGE of nonce 0 and {@code datagramBytes}, from a server with {@code mtu}. */
    void onAnswer(int datagramBytes, int mtu, int helloBytes) {
        serverMtu = mtu;
        helloBytesAtServer = Math.max(helloBytesAtServer, helloBytes);
        if (datagramBytes % UNIT != 0 || datagramBytes / UNIT >= mtuBytes / UNIT) {
            return; // not a size this probe sends
        }
        int units = datagramBytes / UNIT;
        lo = Math.max(lo, units);
        hi = Math.max(hi, lo + 1);
        for (int i = 0; i < stepSize; i++) {
            answered[i] |= step[i] == units;
        }
    }

    /** Whether small datagrams got through, the search is done, and the padded HELLO stays unanswered. */
    boolean decided() {
        return lo > 0 && hi - lo <= 1 && stepSize == 0 && hellosSinceSmallAnswer >= VERDICT_HELLOS;
    }

    /** Whether a probe was answered: the server is reachable with small datagrams. */
    boolean smallAnswered() {
        return lo > 0;
    }

    /** The largest datagram (a multiple of 32) that got through both ways; 0 if none did yet. */
    int largestBothWays() {
        return lo * UNIT;
    }

    /** The MTU the server said it uses (0 until it answered). */
    int serverMtu() {
        return serverMtu;
    }

    /** Whether the server said that a HELLO of the MTU from this join arrived (so its answers are what is lost). */
    boolean helloReachedServer() {
        return helloBytesAtServer >= mtuBytes;
    }

    /** Milliseconds since the join's first padded HELLO. */
    long elapsedMs(long nowNs) {
        return TimeUnit.NANOSECONDS.toMillis(nowNs - startNs);
    }

    private void startStep(long nowNs, Sender sender) {
        int gap = hi - lo;
        stepSize = 0;
        for (int i = 1; i <= PROBES_PER_STEP; i++) {
            int units = lo + (int) ((long) gap * i / (PROBES_PER_STEP + 1));
            if (units > lo && units < hi && (stepSize == 0 || step[stepSize - 1] != units)) {
                step[stepSize++] = units;
            }
        }
        Arrays.fill(answered, false);
        stepStartNs = nowNs;
        stepResent = false;
        for (int i = 0; i < stepSize; i++) {
            sender.send(step[i] * UNIT);
        }
    }

    /** The smallest unanswered size above the largest answered one bounds the search from above. */
    private void endStep() {
        for (int i = 0; i < stepSize; i++) {
            if (!answered[i] && step[i] > lo) {
                hi = Math.min(hi, step[i]);
            }
        }
        stepSize = 0;
    }

    private boolean allAnswered() {
        for (int i = 0; i < stepSize; i++) {
            if (!answered[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The worker's one-line error: which datagrams are lost between it and {@code serverName}, the
     * largest that gets through, and the fix ({@code --mtu} / {@code spark.averon.mtu}).
     */
    static String lostMessage(String serverName, int mtuBytes, int largestBytes, boolean helloReachedServer) {
        String which = helloReachedServer
                ? "datagrams of " + mtuBytes + " bytes (the MTU) reach the " + serverName + " from this worker, but its"
                        + " answers of that size do not come back"
                : "datagrams of " + mtuBytes + " bytes (the MTU) from this worker do not reach the " + serverName;
        return which + "; only datagrams of up to " + largestBytes + " bytes get through both ways (a link on the way"
                + " has a smaller MTU and drops larger frames, or IP fragments are dropped): set --mtu " + largestBytes
                + " (spark.averon.mtu) for the job and its server: it fits links of " + (largestBytes
                + Ports.IP_UDP_HEADER_BYTES) + " bytes or more";
    }

    /** The worker's one-line error when the server's MTU is not this worker's. */
    static String mismatchMessage(String serverName, int serverMtu, int mtuBytes) {
        return "the " + serverName + " uses --mtu " + serverMtu + ", this worker " + mtuBytes
                + ": give the job and its server the same --mtu (spark.averon.mtu)";
    }
}
