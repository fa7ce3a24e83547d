#!/usr/bin/env bash
# Builds a SPARK_HOME from Maven-resolved jars (no Spark download): DIR/jars holds Spark 3.5.5 / Scala 2.12,
# the Hadoop 3.3.4 client and Spark's YARN support; DIR/RELEASE marks it as a distribution.
#   deploy/local-cluster/spark-home.sh [DIR]   (default: deploy/target/spark-home; prints DIR)
#   MVN_ARGS   extra Maven arguments (e.g. -o to stay offline)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="${1:-$HERE/../target/spark-home}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
if [[ ! -f "$DIR/RELEASE" || "$HERE/spark-home.pom.xml" -nt "$DIR/RELEASE" ]]; then
  rm -rf "$DIR/jars.tmp"
  # Maven's output goes to a log (shown on failure), so that this script's only output is DIR
  # shellcheck disable=SC2086
  if ! mvn -B -q -ntp ${MVN_ARGS:-} -f "$HERE/spark-home.pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$DIR/jars.tmp" > "$DIR/build.log" 2>&1; then
    cat "$DIR/build.log" >&2
    echo "spark-home.sh: could not resolve Spark's jars (log above)" >&2
    exit 1
  fi
  rm -rf "$DIR/jars" && mv "$DIR/jars.tmp" "$DIR/jars"
  echo "Spark 3.5.5 (Scala 2.12) jars from Maven, built by deploy/local-cluster/spark-home.sh" > "$DIR/RELEASE"
fi
echo "$DIR"
