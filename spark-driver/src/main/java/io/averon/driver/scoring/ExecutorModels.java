package io.averon.driver.scoring;

import io.averon.core.artifact.ModelArtifact;
import io.averon.core.artifact.ReadPolicy;
import io.averon.core.model.AveronModel;

import java.io.ByteArrayInputStream;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The models loaded in one executor JVM, by model file content: a scoring task borrows one (loading
 * it from the broadcast bytes on first need) and gives it back, so each concurrently running task
 * has its own copy and later tasks reuse it.
 */
final class ExecutorModels {

    private static final Map<String, Queue<AveronModel>> MODELS = new ConcurrentHashMap<>();

    private ExecutorModels() {
    }

    /** A model of this JVM not in use by another task, loaded from {@code shipped}'s bytes when there is none. */
    static AveronModel borrow(ShippedModel shipped) {
        AveronModel model = MODELS.computeIfAbsent(shipped.key(), k -> new ConcurrentLinkedQueue<>()).poll();
        return model != null ? model : ModelArtifact.read(new ByteArrayInputStream(shipped.bytes().value()),
                shipped.name(),
                // the very bytes the driver verified (and announced): checked again, not announced again
                ReadPolicy.checksumsOnly().withNotices(notice -> { })).model();
    }

    /** Returns a model borrowed with {@link #borrow} for the next task. */
    static void giveBack(ShippedModel shipped, AveronModel model) {
        MODELS.get(shipped.key()).offer(model);
    }
}
