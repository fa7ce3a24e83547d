#!/usr/bin/env bash
# Builds a SPARK_HOME from Maven-resolved jars (no Spark download): DIR/jars holds Spark with its SQL, ML and YARN
# support, Scala and the Hadoop client, in the versions the parent POM pins for a Spark line; DIR/RELEASE marks
# it as a distribution and names what is in it.
#   deploy/local-cluster/spark-home.sh [--spark-3.5] [DIR]   (a DIR of the other line is rebuilt)
#     default       the default line, Spark 4 / Scala 2.13, in deploy/target/spark-home
#     --spark-3.5   the Spark 3.5 / Scala 2.12 line (Maven profile spark-3.5), in deploy/target/spark-3.5/spark-home
#   prints DIR.  MVN_ARGS: extra Maven arguments (e.g. -o to stay offline)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../spark-line.sh
source "$HERE/../spark-line.sh"
PROFILE="" SCALA=2.13 DIR="$HERE/../target/spark-home" args=()
for arg in "$@"; do
  case "$arg" in
    --spark-3.5) PROFILE="-Pspark-3.5" SCALA=2.12 DIR="$HERE/../target/spark-3.5/spark-home" ;;
    -*) echo "spark-home.sh: unknown option $arg" >&2; exit 2 ;;
    *) args+=("$arg") ;;
  esac
done
DIR="${args[0]:-$DIR}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
# rebuilt when missing, older than the POMs, or of the other line
if [[ ! -f "$DIR/RELEASE" || "$HERE/spark-home.pom.xml" -nt "$DIR/RELEASE" || "$HERE/../../pom.xml" -nt "$DIR/RELEASE" ]] \
    || [[ "$(spark_scala_version "$DIR" 2>/dev/null)" != "$SCALA" ]]; then
  rm -rf "$DIR/jars.tmp"
  # Maven's output goes to a log (shown on failure), so that this script's only output is DIR
  # shellcheck disable=SC2086
  if ! mvn -B -q -ntp ${MVN_ARGS:-} $PROFILE -f "$HERE/spark-home.pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$DIR/jars.tmp" > "$DIR/build.log" 2>&1; then
    cat "$DIR/build.log" >&2
    echo "spark-home.sh: could not resolve Spark's jars (log above)" >&2
    exit 1
  fi
  rm -rf "$DIR/jars" && mv "$DIR/jars.tmp" "$DIR/jars"
  core="$(basename "$(ls "$DIR"/jars/spark-core_*.jar)" .jar)"   # spark-core_2.13-4.2.0
  echo "Spark ${core##*-} (Scala $(spark_scala_version "$DIR")) jars from Maven, built by deploy/local-cluster/spark-home.sh" \
    > "$DIR/RELEASE"
fi
echo "$DIR"
