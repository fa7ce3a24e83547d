#!/usr/bin/env bash
# Submits Averon's shaded job jar with spark-submit, adding what every deployment needs:
# the Java 17 flags Spark, ND4J and Aeron need (driver, executors and the YARN application master),
# one OpenMP thread per task core, and the main class.
#
#   deploy/spark-submit.sh [spark-submit options...] -- <averon command and options>
#   e.g. deploy/spark-submit.sh --master spark://host:7077 --conf spark.cores.max=2 -- train --model mlp
#
#   SPARK_HOME    a Spark 4 (Scala 2.13) or 3.5 (Scala 2.12) installation: bin/spark-submit is used if present,
#                 else SparkSubmit is run from SPARK_HOME/jars (the local cluster's Maven-built SPARK_HOME)
#   AVERON_JAR    the shaded jar (default: the one built for SPARK_HOME's Scala version, deploy/spark-line.sh)
#   JAVA_HOME     the Java 17 to run (default: java on PATH)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=spark-line.sh
source "$ROOT/deploy/spark-line.sh"
: "${SPARK_HOME:?set SPARK_HOME to a Spark 4 or 3.5 installation, or run deploy/local-cluster/spark-home.sh}"
if [[ -z "${AVERON_JAR:-}" ]]; then
  SCALA="$(spark_scala_version "$SPARK_HOME")" || exit 2
  AVERON_JAR="$(averon_job_jar "$ROOT" "$SCALA")"
  [[ -n "$AVERON_JAR" ]] || { echo "deploy/spark-submit.sh: no shaded jar for Scala $SCALA (the Spark in $SPARK_HOME);" \
    "build it with 'mvn -DskipTests package$([[ "$SCALA" == 2.12 ]] && echo " -Pspark-3.5")' or set AVERON_JAR" >&2; exit 2; }
fi
JAR="$AVERON_JAR"
[[ -f "$JAR" ]] || { echo "deploy/spark-submit.sh: AVERON_JAR $JAR does not exist" >&2; exit 2; }

spark_args=()
while [[ $# -gt 0 && "$1" != "--" ]]; do spark_args+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift

# shellcheck source=jvm-env.sh
source "$ROOT/deploy/jvm-env.sh"
FLAGS="${AVERON_JAVA_FLAGS[*]}"

common=(--class io.averon.driver.cli.AveronCli
  --conf "spark.driver.extraJavaOptions=$FLAGS ${AVERON_DRIVER_JAVA_OPTS:-}"
  --conf "spark.executor.extraJavaOptions=$FLAGS ${AVERON_EXECUTOR_JAVA_OPTS:-}"
  --conf "spark.yarn.am.extraJavaOptions=$FLAGS"
  --conf spark.executorEnv.OMP_NUM_THREADS=1 --conf spark.yarn.appMasterEnv.OMP_NUM_THREADS=1)
# the native libraries' settings in every JVM of the job: executors and the YARN application master
# here, the driver (and local mode's executors, this JVM's threads) from this process's environment
for setting in "${AVERON_NATIVE_ENV[@]}"; do
  common+=(--conf "spark.executorEnv.$setting" --conf "spark.yarn.appMasterEnv.$setting")
done
averon_export_native_env
if [[ -n "${JAVA_HOME:-}" ]]; then
  common+=(--conf "spark.executorEnv.JAVA_HOME=$JAVA_HOME" --conf "spark.yarn.appMasterEnv.JAVA_HOME=$JAVA_HOME")
fi
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

if [[ -x "$SPARK_HOME/bin/spark-submit" ]]; then
  exec "$SPARK_HOME/bin/spark-submit" "${common[@]}" "${spark_args[@]}" "$JAR" "$@"
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# shellcheck disable=SC2086
exec "$JAVA" $FLAGS -cp "$SPARK_HOME/jars/*${HADOOP_CONF_DIR:+:$HADOOP_CONF_DIR}" org.apache.spark.deploy.SparkSubmit \
  "${common[@]}" "${spark_args[@]}" "$JAR" "$@"
