#!/usr/bin/env bash
# Builds the benchmarks module and runs one of its main classes with the JVM flags ND4J and Spark
# need on Java 17. Usage: benchmarks/scripts/run-benchmark.sh CLASS [ARGS...]
#   AVERON_SPARK_LINE=3.5   build and run on the Spark 3.5 line (-Pspark-3.5), as SparkTrainingBenchmark needs
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LINE=() TARGET="$ROOT/benchmarks/target"
if [[ "${AVERON_SPARK_LINE:-}" == 3.5 ]]; then
  LINE=(-Pspark-3.5) TARGET="$ROOT/benchmarks/target/spark-3.5"
fi
(cd "$ROOT" && flock /tmp/averon-mvn.lock mvn -B -q -ntp -DskipTests "${LINE[@]}" package -pl benchmarks -am)
# shellcheck source=../../deploy/jvm-env.sh
source "$ROOT/deploy/jvm-env.sh"
averon_export_native_env # as bin/averon runs every JVM
export SPARK_LOCAL_IP=127.0.0.1
CLASS="$1"; shift
exec java ${BENCH_JAVA_OPTS:-} "${AVERON_JAVA_FLAGS[@]}" -Xmx6g -cp "$TARGET/averon-benchmarks-0.1.0-SNAPSHOT.jar:$TARGET/lib/*" \
  "io.averon.benchmarks.$CLASS" "$@"
