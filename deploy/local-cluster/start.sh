#!/usr/bin/env bash
# Starts a real Spark standalone cluster on this machine: one master and N workers, each its own JVM,
# run from the Maven-built SPARK_HOME (deploy/local-cluster/spark-home.sh). Prints the master URL.
#
#   deploy/local-cluster/start.sh [--workers N] [--cores C] [--memory 2g] [--port 7077] [--dir RUNDIR]
#                                 [--auth-secret-file FILE]
#
#   --auth-secret-file FILE   Spark's RPC authentication and encryption on (spark.authenticate=true,
#                 spark.network.crypto.enabled=true): the master and the workers read the shared secret from
#                 FILE (chmod 600; it reaches them in their environment, never on a command line), and hand
#                 it to the executors they launch. Drivers need the same secret as spark.authenticate.secret
#                 (e.g. in a --properties-file readable only by them) and both settings set to true.
#
#   RUNDIR (default deploy/target/local-cluster) gets the pid files, logs and the workers' work dirs
#   (each executor's stdout/stderr is in RUNDIR/worker-I/app-*/EXECUTOR_ID/). Stop with stop.sh --dir RUNDIR.
#   Submit with: SPARK_HOME=... deploy/spark-submit.sh --master "$(cat RUNDIR/master-url)" ... -- train ...
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORKERS=2 CORES=1 MEMORY=2g PORT=7077 RUNDIR="$HERE/../target/local-cluster" AUTH_SECRET_FILE=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --workers) WORKERS="$2"; shift 2 ;;
    --cores) CORES="$2"; shift 2 ;;
    --memory) MEMORY="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --dir) RUNDIR="$2"; shift 2 ;;
    --auth-secret-file) AUTH_SECRET_FILE="$2"; shift 2 ;;
    *) echo "start.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
export SPARK_HOME="${SPARK_HOME:-$("$HERE/spark-home.sh")}"
# shellcheck source=../spark-line.sh
source "$HERE/../spark-line.sh"
# executors fail with "Cannot find any build directories" without it
SPARK_SCALA_VERSION="$(spark_scala_version "$SPARK_HOME")"
export SPARK_SCALA_VERSION SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
mkdir -p "$RUNDIR"
RUNDIR="$(cd "$RUNDIR" && pwd)"
if [[ -f "$RUNDIR/master.pid" ]] && kill -0 "$(cat "$RUNDIR/master.pid")" 2>/dev/null; then
  echo "start.sh: a cluster is already running from $RUNDIR (stop.sh --dir $RUNDIR)" >&2; exit 1
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# shellcheck source=../jvm-env.sh
source "$HERE/../jvm-env.sh"
FLAGS=("${AVERON_JAVA_FLAGS[@]}")
averon_export_native_env

if [[ -n "$AUTH_SECRET_FILE" ]]; then
  [[ -r "$AUTH_SECRET_FILE" ]] || { echo "start.sh: cannot read --auth-secret-file $AUTH_SECRET_FILE" >&2; exit 2; }
  if [[ "$(stat -c %a "$AUTH_SECRET_FILE")" != [0-7]00 ]]; then
    echo "start.sh: $AUTH_SECRET_FILE is readable by group or others; chmod 600 $AUTH_SECRET_FILE" >&2; exit 2
  fi
  # Spark's daemons take the secret from this variable (as executors do): not visible in ps
  _SPARK_AUTH_SECRET="$(cat "$AUTH_SECRET_FILE")"
  export _SPARK_AUTH_SECRET
  FLAGS+=(-Dspark.authenticate=true -Dspark.network.crypto.enabled=true)
fi

# waits until FILE contains TEXT, or fails naming the log
wait_for() {
  local file="$1" text="$2" pid="$3"
  for _ in $(seq 1 120); do
    grep -q "$text" "$file" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { echo "start.sh: process $pid exited; see $file" >&2; return 1; }
    sleep 0.5
  done
  echo "start.sh: no '$text' in $file after 60 s" >&2; return 1
}

HOST="$SPARK_LOCAL_IP"
nohup "$JAVA" "${FLAGS[@]}" -Xmx512m -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.master.Master \
  --host "$HOST" --port "$PORT" --webui-port 0 > "$RUNDIR/master.log" 2>&1 < /dev/null &
echo $! > "$RUNDIR/master.pid"
wait_for "$RUNDIR/master.log" "I have been elected leader" "$(cat "$RUNDIR/master.pid")"
URL="spark://$HOST:$PORT"
echo "$URL" > "$RUNDIR/master-url"

for i in $(seq 1 "$WORKERS"); do
  mkdir -p "$RUNDIR/worker-$i"
  nohup "$JAVA" "${FLAGS[@]}" -Xmx512m -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.worker.Worker \
    --host "$HOST" --cores "$CORES" --memory "$MEMORY" --work-dir "$RUNDIR/worker-$i" --webui-port 0 "$URL" \
    > "$RUNDIR/worker-$i.log" 2>&1 < /dev/null &
  echo $! > "$RUNDIR/worker-$i.pid"
done
for i in $(seq 1 "$WORKERS"); do
  wait_for "$RUNDIR/worker-$i.log" "Successfully registered with master" "$(cat "$RUNDIR/worker-$i.pid")"
done
echo "$URL"
