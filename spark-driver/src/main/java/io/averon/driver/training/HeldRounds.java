package io.averon.driver.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last two averaged vectors of each sharded training run that has tasks in this executor JVM,
 * kept so that a relaunched stage resumes from the last round every worker completed: in sharded
 * mode no parameter server holds it. The tasks of one run share the copies (every worker receives
 * the same average), so an executor holds at most two vectors per run. A run's entry goes when its
 * last epoch is done.
 */
final class HeldRounds {

    private record Held(long round, float[] values, int count) {
    }

    private static final ConcurrentHashMap<Long, Held[]> RUNS = new ConcurrentHashMap<>();

    private HeldRounds() {
    }

    /** Keeps a copy of round {@code round}'s average {@code values[0 .. count)} for run {@code runId}. */
    static void keep(long runId, long round, float[] values, int count) {
        RUNS.compute(runId, (id, held) -> {
            if (held == null) {
                held = new Held[2];
            }
            if (held[0] != null && held[0].round() >= round) {
                return held; // another task of this run in this JVM already kept it
            }
            Held older = held[1];
            float[] copy = older != null && older.values().length == values.length ? older.values() : new float[values.length];
            System.arraycopy(values, 0, copy, 0, count);
            held[1] = held[0];
            held[0] = new Held(round, copy, count);
            return held;
        });
    }

    /** The rounds of run {@code runId} held here, newest first (empty if none). */
    static List<Long> rounds(long runId) {
        Held[] held = RUNS.get(runId);
        List<Long> rounds = new ArrayList<>();
        if (held != null) {
            for (Held h : held) {
                if (h != null) {
                    rounds.add(h.round());
                }
            }
        }
        return rounds;
    }

    /** A copy of round {@code round}'s average of run {@code runId}, or null if it is not held here. */
    static float[] values(long runId, long round) {
        float[][] found = new float[1][];
        RUNS.computeIfPresent(runId, (id, held) -> { // under the map's lock: keep() may be reusing an old array
            for (Held h : held) {
                if (h != null && h.round() == round) {
                    found[0] = Arrays.copyOf(h.values(), h.count());
                }
            }
            return held;
        });
        return found[0];
    }

    /** Forgets run {@code runId} (its last epoch is done). */
    static void forget(long runId) {
        RUNS.remove(runId);
    }
}
