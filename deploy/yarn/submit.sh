#!/usr/bin/env bash
# Submits an Averon job to YARN with deploy/spark-submit.sh (Java 17 flags, OMP_NUM_THREADS=1, main class)
# and the properties in deploy/yarn/averon-yarn.properties.
#
#   HADOOP_CONF_DIR=/etc/hadoop/conf deploy/yarn/submit.sh [spark-submit options...] -- <averon command and options>
#   e.g. deploy/yarn/submit.sh --conf spark.executor.instances=4 -- \
#          train --model cnn --data hdfs:///datasets/fashion-mnist --out hdfs:///user/$USER/runs/fashion-cnn
#
#   HADOOP_CONF_DIR / YARN_CONF_DIR   the cluster's client configuration (one of them is required)
#   DEPLOY_MODE        cluster (default: the driver runs in the YARN application master) or client
#   AVERON_YARN_PROPERTIES   another properties file (default: deploy/yarn/averon-yarn.properties)
#   SPARK_HOME, AVERON_JAR, JAVA_HOME   as for deploy/spark-submit.sh
# Options before -- (e.g. --conf key=value, --queue, --files) are passed to spark-submit after the
# properties file and override it.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
if [[ -z "${HADOOP_CONF_DIR:-}" && -z "${YARN_CONF_DIR:-}" ]]; then
  echo "deploy/yarn/submit.sh: set HADOOP_CONF_DIR (or YARN_CONF_DIR) to the cluster's Hadoop client configuration" >&2
  exit 2
fi
for dir in "${HADOOP_CONF_DIR:-}" "${YARN_CONF_DIR:-}"; do
  if [[ -n "$dir" && ! -d "$dir" ]]; then
    echo "deploy/yarn/submit.sh: $dir is not a directory" >&2
    exit 2
  fi
done
export HADOOP_CONF_DIR="${HADOOP_CONF_DIR:-$YARN_CONF_DIR}"
PROPERTIES="${AVERON_YARN_PROPERTIES:-$HERE/averon-yarn.properties}"
[[ -f "$PROPERTIES" ]] || { echo "deploy/yarn/submit.sh: no properties file $PROPERTIES" >&2; exit 2; }
MODE="${DEPLOY_MODE:-cluster}"
case "$MODE" in
  cluster|client) ;;
  *) echo "deploy/yarn/submit.sh: DEPLOY_MODE must be cluster or client, got '$MODE'" >&2; exit 2 ;;
esac

spark_args=()
while [[ $# -gt 0 && "$1" != "--" ]]; do spark_args+=("$1"); shift; done
[[ "${1:-}" == "--" ]] && shift
if [[ $# -eq 0 ]]; then
  echo "usage: $0 [spark-submit options...] -- <averon command and options>" >&2
  exit 2
fi

exec "$ROOT/deploy/spark-submit.sh" --master yarn --deploy-mode "$MODE" --properties-file "$PROPERTIES" \
  "${spark_args[@]}" -- "$@"
