package io.averon.driver.cli;

import io.averon.core.train.EpochRecord;
import io.averon.driver.run.RunListener;
import io.averon.driver.run.RunStart;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;

/**
 * Console output of a training run: one progress bar per epoch (on stderr, when it is a terminal
 * or {@code --progress} forces it) and one summary line per epoch (stdout).
 */
final class ConsoleProgress implements RunListener {

    private final PrintWriter out;
    private final boolean bars;
    private int epochs;
    private ProgressBar bar;

    ConsoleProgress(PrintWriter out, boolean bars) {
        this.out = out;
        this.bars = bars;
    }

    @Override
    public void onRunStart(RunStart start) {
        out.println(inWords(start));
        out.flush();
    }

    @Override
    public void onTrainingStart(int totalEpochs, int batchesPerEpoch, long trainExamples) {
        this.epochs = totalEpochs;
    }

    /**
     * The run's configuration in one sentence, e.g. "mlp (adam, learning rate 0.002, linear
     * schedule) on fashion-mnist: 60,000 training and 10,000 held-out examples, 10 classes; spark
     * engine: 2 workers averaging once per epoch through the driver's parameter server; 5 epochs of
     * minibatches of 128, seed 42". metrics.json has every setting.
     */
    static String inWords(RunStart start) {
        Map<String, Object> s = start.settings();
        StringBuilder w = new StringBuilder().append(s.get("model"));
        if (s.containsKey("optimizer")) {
            w.append(String.format(Locale.ROOT, " (%s, learning rate %s, %s schedule)", s.get("optimizer"),
                    s.get("learning_rate"), s.get("lr_schedule")));
        }
        w.append(String.format(Locale.ROOT, " on %s: %,d training and %,d held-out examples", s.get("data"),
                start.data().trainSize(), start.data().testSize()));
        int classes = start.data().classNames().size();
        w.append(classes == 0 ? " (regression)" : ", " + classes + " classes");
        if ("spark".equals(s.get("engine"))) {
            int syncEvery = ((Number) s.get("sync_every")).intValue();
            w.append(String.format(Locale.ROOT, "; spark engine: %s workers averaging %s", s.get("workers"),
                    syncEvery == 0 ? "once per epoch" : "every " + syncEvery + " minibatches"));
            Object momentum = s.get("outer_momentum");
            if (momentum instanceof Number m && m.doubleValue() > 0) {
                w.append(String.format(Locale.ROOT, " with outer momentum %s at rate %s", momentum, s.get("outer_lr")));
            }
            w.append("sharded".equals(s.get("averaging")) ? " among themselves (sharded)"
                    : s.containsKey("max_update_norm") ? " through the driver's parameter server"
                    : " through an external parameter server");
        } else {
            Object nativeInfo = s.get("native");
            Object threads = nativeInfo instanceof Map<?, ?> n ? n.get("threads") : null;
            w.append("; local engine").append(threads == null ? "" : ", " + threads + " threads");
        }
        int epochs = ((Number) s.get("epochs")).intValue();
        w.append(start.epochsDone() == 0 ? String.format(Locale.ROOT, "; %d epochs", epochs)
                : String.format(Locale.ROOT, "; epochs %d-%d, resuming after epoch %d", start.epochsDone() + 1, epochs,
                start.epochsDone()));
        w.append(String.format(Locale.ROOT, " of minibatches of %s, seed %s", s.get("batch_size"), s.get("seed")));
        Object patience = s.get("early_stopping_patience");
        if (patience instanceof Number p && p.intValue() > 0) {
            w.append(", early stopping after ").append(p).append(" epochs without improvement");
        }
        return w.toString();
    }

    @Override
    public void onBatchEnd(int epoch, int batch, int batchesPerEpoch, double loss) {
        if (!bars) {
            return;
        }
        if (bar == null) {
            bar = new ProgressBarBuilder()
                    .setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs))
                    .setInitialMax(batchesPerEpoch)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(250)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .build();
        }
        bar.stepTo(batch);
        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", loss));
    }

    @Override
    public void onEpochEnd(EpochRecord r) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d  train_loss %.4f", r.epoch(),
                epochs, r.trainLoss()));
        if (r.test().isClassification()) {
            if (r.train() != null) {
                line.append(String.format(Locale.ROOT, "  train_accuracy %.4f", r.train().accuracy()));
            }
            line.append(String.format(Locale.ROOT, "  test_loss %.4f  test_accuracy %.4f", r.test().loss(),
                    r.test().accuracy()));
        } else {
            line.append(String.format(Locale.ROOT, "  test_mse %.5f  test_mae %.5f  test_r2 %.4f",
                    r.test().regression().mse(), r.test().regression().mae(), r.test().regression().r2()));
        }
        line.append(String.format(Locale.ROOT, "  %,.0f examples/s  %.1f s", r.examplesPerSecond(), r.wallSeconds()));
        out.println(line);
        out.flush();
    }
}
