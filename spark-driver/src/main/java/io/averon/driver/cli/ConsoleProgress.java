package io.averon.driver.cli;

import io.averon.core.train.EpochRecord;
import io.averon.core.train.TrainingListener;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Console output of a training run: one progress bar per epoch (on stderr, when it is a terminal
 * or {@code --progress} forces it) and one summary line per epoch (stdout).
 */
final class ConsoleProgress implements TrainingListener {

    private final PrintWriter out;
    private final boolean bars;
    private int epochs;
    private ProgressBar bar;

    ConsoleProgress(PrintWriter out, boolean bars) {
        this.out = out;
        this.bars = bars;
    }

    @Override
    public void onTrainingStart(int totalEpochs, int batchesPerEpoch, long trainExamples) {
        this.epochs = totalEpochs;
        out.printf(Locale.ROOT, "training on %,d examples: %d epochs of %d minibatches%n", trainExamples, totalEpochs,
                batchesPerEpoch);
        out.flush();
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
