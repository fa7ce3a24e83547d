package io.averon.ps.round;

import io.averon.ps.protocol.Refusal;

import java.util.Arrays;
import java.util.function.IntConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** Helpers shared by the round tests: pushing as the transport would, and unwrapping outcomes. */
final class RoundTestSupport {

    private RoundTestSupport() {
    }

    /**
     * Pushes like the transport: writes the values into staging only if the precheck passes, then
     * offers the contribution (so refusals are counted either way).
     */
    static Refusal push(RoundCoordinator coordinator, int worker, long round, long samples, float[] values,
                        long nowMs) {
        if (coordinator.precheck(worker, round) == null) {
            System.arraycopy(values, 0, coordinator.staging(worker), 0, values.length);
        }
        return coordinator.contribute(worker, round, samples, values.length, nowMs);
    }

    /** A coordinator of one parameter whose first round opened at 0, with {@code workers} joined at 0. */
    static RoundCoordinator joined(RoundSettings settings, int... workers) {
        return joined(settings, dead -> { }, workers);
    }

    static RoundCoordinator joined(RoundSettings settings, IntConsumer declaredDead, int... workers) {
        RoundCoordinator coordinator = new RoundCoordinator(settings, 1, 0, 0, null, 0, declaredDead);
        for (int w : workers) {
            assertEquals(0, coordinator.join(w, 0));
        }
        return coordinator;
    }

    static RoundOutcome.Closed closed(RoundOutcome outcome) {
        return assertInstanceOf(RoundOutcome.Closed.class, outcome, () -> "expected a closed round, got " + outcome);
    }

    static RoundOutcome.Failed failed(RoundOutcome outcome) {
        return assertInstanceOf(RoundOutcome.Failed.class, outcome, () -> "expected a failed round, got " + outcome);
    }

    /** The valid part of a closed round's result, copied. */
    static float[] result(RoundOutcome.Closed closed) {
        return Arrays.copyOf(closed.global(), closed.valueCount());
    }

    /** Settings whose clock-driven tests assume a 5 s heartbeat timeout, whatever the default. */
    static RoundSettings.Builder settings(int expectedWorkers) {
        return RoundSettings.builder().expectedWorkers(expectedWorkers).heartbeatTimeoutMs(5_000);
    }
}
