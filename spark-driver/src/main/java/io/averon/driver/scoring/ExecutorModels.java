package io.averon.driver.scoring;

import io.averon.core.artifact.ModelArtifact;
import io.averon.core.artifact.ReadPolicy;
import io.averon.core.model.AveronModel;

import java.io.ByteArrayInputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The models loaded in one executor JVM, by model file content: a scoring task borrows one (loading
 * it from the broadcast bytes on first need) and gives it back, so each concurrently running task
 * has its own copy and later tasks reuse it. The copies of the {@value #MODELS_KEPT} models used
 * last are kept; older ones are let go (a cross-validation or a long session scores many models,
 * each holding native memory).
 */
final class ExecutorModels {

    /** Distinct models whose loaded copies an executor keeps. */
    static final int MODELS_KEPT = 4;

    /** By model key, the least recently borrowed first. */
    private static final Map<String, Queue<AveronModel>> MODELS = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Queue<AveronModel>> eldest) {
            return size() > MODELS_KEPT;
        }
    };

    private ExecutorModels() {
    }

    /** A model of this JVM not in use by another task, loaded from {@code shipped}'s bytes when there is none. */
    static AveronModel borrow(ShippedModel shipped) {
        AveronModel model;
        synchronized (MODELS) {
            model = MODELS.computeIfAbsent(shipped.key(), k -> new ConcurrentLinkedQueue<>()).poll();
        }
        return model != null ? model : ModelArtifact.read(new ByteArrayInputStream(shipped.bytes().value()),
                shipped.name(),
                // the very bytes the driver verified (and announced): checked again, not announced again
                ReadPolicy.checksumsOnly().withNotices(notice -> { })).model();
    }

    /** The keys of the models kept, the least recently borrowed first. */
    static java.util.List<String> keptKeys() {
        synchronized (MODELS) {
            return java.util.List.copyOf(MODELS.keySet());
        }
    }

    /** Returns a model borrowed with {@link #borrow} for the next task. */
    static void giveBack(ShippedModel shipped, AveronModel model) {
        synchronized (MODELS) {
            Queue<AveronModel> idle = MODELS.get(shipped.key());
            if (idle != null) { // else let go: more recently used models took its place
                idle.offer(model);
            }
        }
    }
}
