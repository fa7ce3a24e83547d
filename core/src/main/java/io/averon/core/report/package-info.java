/**
 * The run report: {@code report.html}, one self-contained file written next to {@code metrics.json}
 * by every {@code train} run. {@link io.averon.core.report.RunReport} assembles it from the run's
 * configuration, epoch records and final metrics: loss and accuracy curves, time per epoch split
 * into compute and parameter-server sync, each worker's totals (naming the worker the rounds waited
 * for), the confusion matrix as a heatmap, the most-confused
 * class pairs, and the examples with the highest loss ({@link io.averon.core.report.HardExamples}),
 * drawn as images with their true and predicted labels. Charts are drawn with XChart and images
 * encoded with {@code javax.imageio}; both are embedded as PNG data URIs, so the file needs no
 * JavaScript, no network and no side files. All text is escaped: class names come from user data.
 */
package io.averon.core.report;
