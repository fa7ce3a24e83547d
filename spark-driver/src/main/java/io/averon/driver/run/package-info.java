/**
 * The public training API, the same for both engines: a {@link io.averon.driver.run.Trainer}
 * ({@link io.averon.driver.run.LocalEngine}, or {@code io.averon.driver.training.SparkEngine})
 * trains what a {@link io.averon.driver.run.ModelSource} builds on a
 * {@code io.averon.driver.data.TrainingInput} and tells its listeners the run's events
 * ({@link io.averon.driver.run.RunListener}). What a run leaves behind is a listener too:
 * {@link io.averon.driver.run.RunOutput} keeps checkpoints, metrics.json, report.html and model.zip
 * in one output directory and resumes from it. The CLI's commands map their flags onto this API.
 */
package io.averon.driver.run;
