package io.averon.driver.training;

import io.averon.core.InvalidInputException;

import java.io.Serializable;

/**
 * What each averaging round of a distributed run carries and when its result is applied.
 *
 * @param updaterSyncEvery the optimiser's state (e.g. Adam's moments, twice the parameters) is
 *                         averaged every this many rounds and in each epoch's last round; 0 = in
 *                         each epoch's last round only; 1 = every round. Between, each worker keeps
 *                         its own state and rounds carry the parameters alone
 * @param overlap          a round's averaging runs while the worker trains the next round's
 *                         minibatches; its result is applied at the next boundary, keeping the
 *                         progress made meanwhile ({@code average + (local now - local at push)}),
 *                         as in delayed averaging / streaming DiLoCo. Each epoch's last round is
 *                         synchronous, so every epoch ends with one averaged model
 */
record SyncPolicy(int updaterSyncEvery, boolean overlap) implements Serializable {

    /** Averaging everything in every round, synchronously (the default). */
    static final SyncPolicy EVERY_ROUND = new SyncPolicy(1, false);

    SyncPolicy {
        if (updaterSyncEvery < 0) {
            throw new InvalidInputException("--updater-sync-every must be >= 1 rounds (or 0 for each epoch's last round"
                    + " only), got " + updaterSyncEvery);
        }
    }

    /** Whether round {@code round} (1-based within its epoch of {@code rounds}) averages the updater state. */
    boolean averagesUpdaterState(int round, int rounds) {
        return round == rounds || updaterSyncEvery > 0 && round % updaterSyncEvery == 0;
    }

    /** Whether round {@code round} of {@code rounds} returns before its result is in (overlapped). */
    boolean overlaps(int round, int rounds) {
        return overlap && round < rounds;
    }
}
