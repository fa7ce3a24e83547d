#!/usr/bin/env bash
# Real Spark across simulated hosts (issue 16, item 4): a Spark standalone master and the driver on
# simulated host 0, one Spark worker of one core on each of hosts 1..W (sim-cluster.sh: network
# namespaces on a bridge, every link rate-limited), and `averon train` (the shaded job jar through
# deploy/spark-submit.sh, client mode) with sharded averaging across them. Then it checks the run:
# exit 0, metrics.json with W workers and per-worker sync seconds per epoch, the test accuracy, that
# the W executors ran on W different simulated hosts (their logs, in each host's worker directory,
# and Spark's event log), and that their traffic crossed the rate-limited links (eth0 byte counters
# of every host before and after, split into UDP and TCP by nftables counters). Everything it
# started (JVMs, namespaces) is torn down on exit, also on failure. Root only. Not a test.
#
# Usage: benchmarks/sim/spark-on-sim.sh OUT_DIR [RATE_MBIT=100] [WORKERS=4] [EPOCHS=2] [MODEL=mlp]
#   Needs the shaded jar (mvn -B -ntp -o -q package -DskipTests -pl deploy -am) and the
#   Maven-built SPARK_HOME (deploy/local-cluster/spark-home.sh, run here with MVN_ARGS=-o unless SPARK_HOME
#   is set), Fashion-MNIST (Debian dataset-fashion-mnist), iproute2, nftables and jq.
#   Environment: AVSIM_PREFIX (default avspark-<pid>), RUN_TIMEOUT_S (spark-submit's limit, default 900),
#   MIN_ACCURACY (default 0.75), TRAIN_ARGS (more `averon train` options).
# Writes OUT_DIR/summary.md (the figures), OUT_DIR/run/ (metrics.json, model.zip, report.html),
# OUT_DIR/submit.log (the driver), OUT_DIR/cluster/ (master and worker logs, the executors' logs under
# worker-K/app-*/ID/stderr), OUT_DIR/events/ (Spark's event log), OUT_DIR/counters-{before,after}.txt.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SIM="$ROOT/benchmarks/sim/sim-cluster.sh"
[[ $# -ge 1 ]] || { echo "usage: spark-on-sim.sh OUT_DIR [RATE_MBIT=100] [WORKERS=4] [EPOCHS=2] [MODEL=mlp]" >&2; exit 2; }
OUT="$(mkdir -p "$1" && cd "$1" && pwd)"
RATE="${2:-100}"; WORKERS="${3:-4}"; EPOCHS="${4:-2}"; MODEL="${5:-mlp}"
RUN_TIMEOUT_S="${RUN_TIMEOUT_S:-900}"; MIN_ACCURACY="${MIN_ACCURACY:-0.75}"
PORT=7077
die() { echo "spark-on-sim.sh: $*" >&2; exit 2; }
[[ "$(id -u)" == 0 ]] || die "needs root (network namespaces)"
[[ "$WORKERS" =~ ^[0-9]+$ ]] && ((WORKERS >= 1 && WORKERS <= 16)) || die "WORKERS must be 1..16, got '$WORKERS'"
for tool in ip tc nft jq java; do command -v "$tool" >/dev/null || die "$tool is not on the PATH"; done
# shellcheck source=../../deploy/spark-line.sh
source "$ROOT/deploy/spark-line.sh"
[[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]] || die "no Fashion-MNIST: apt-get install -y dataset-fashion-mnist"
[[ -z "$(ls -A "$OUT" 2>/dev/null)" ]] || die "$OUT is not empty"
export SPARK_HOME="${SPARK_HOME:-$(MVN_ARGS="${MVN_ARGS:--o}" "$ROOT/deploy/local-cluster/spark-home.sh")}"
SCALA="$(spark_scala_version "$SPARK_HOME")" || exit 2
JAR="${AVERON_JAR:-$(averon_job_jar "$ROOT" "$SCALA")}"
[[ -f "$JAR" ]] || die "no shaded jar for Scala $SCALA in deploy/target: mvn -B -ntp -o -q package -DskipTests -pl deploy -am$([[ "$SCALA" == 2.12 ]] && echo " -Pspark-3.5")"
export AVSIM_PREFIX="${AVSIM_PREFIX:-avspark-$$}"
HOSTS=$((WORKERS + 1))
addr() { echo "198.18.0.$(($1 + 1))"; }
MASTER="spark://$(addr 0):$PORT"
log() { echo "[spark-on-sim $(date -u +%H:%M:%S)] $*"; }

# ---- teardown: on every exit, bounded --------------------------------------------------------------
SECRETS="$(mktemp -d /tmp/spark-on-sim-secrets.XXXXXX)"
SUBMIT_PID=""
teardown() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  [[ -n "$SUBMIT_PID" ]] && kill -TERM "$SUBMIT_PID" 2>/dev/null
  # every JVM started here lives in one of the namespaces: `down` stops them (TERM, then KILL after 5 s)
  # and deletes the namespaces; if it hangs, whatever is left is killed and the namespaces deleted here
  if ! timeout 120 "$SIM" down; then
    for ns in $(ip netns list | awk '{print $1}' | grep -E "^${AVSIM_PREFIX}-(br|h[0-9]+)\$"); do
      for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
      ip netns delete "$ns" 2>/dev/null
    done
  fi
  [[ -n "$SUBMIT_PID" ]] && wait "$SUBMIT_PID" 2>/dev/null
  rm -rf "$SECRETS"
  # the executors' copies of the job jar (255 MB each) in the workers' work dirs; their logs stay
  rm -f "$OUT"/cluster/worker-*/app-*/*/*.jar
  # Aeron directories of JVMs that were killed before closing theirs: exactly those this run's logs name
  local dir
  for dir in $(grep -rhoE "Aeron media driver in /dev/shm/averon-[A-Za-z0-9_-]+" "$OUT/submit.log" "$OUT/cluster" \
                 2>/dev/null | awk '{print $NF}' | sort -u); do
    [[ -d "$dir" ]] && rm -rf "$dir" && echo "spark-on-sim.sh: removed leftover $dir" >&2
  done
  if ip netns list | grep -q "^${AVSIM_PREFIX}-"; then echo "spark-on-sim.sh: namespaces of $AVSIM_PREFIX remain" >&2; rc=1; fi
  exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

# ---- simulated hosts ---------------------------------------------------------------------------------
log "sim-cluster.sh up $HOSTS $RATE (prefix $AVSIM_PREFIX)"
"$SIM" up "$HOSTS" "$RATE" > "$OUT/sim-up.log"
# UDP and TCP bytes on each host's link, both directions (nftables counters in the host's own namespace)
for ((k = 0; k < HOSTS; k++)); do
  "$SIM" exec "$k" nft -f - <<'NFT'
table inet avsim_proto {
  counter udp_in {}
  counter udp_out {}
  counter tcp_in {}
  counter tcp_out {}
  chain input { type filter hook input priority 0; policy accept; iifname "eth0" meta l4proto udp counter name udp_in; iifname "eth0" meta l4proto tcp counter name tcp_in; }
  chain output { type filter hook output priority 0; policy accept; oifname "eth0" meta l4proto udp counter name udp_out; oifname "eth0" meta l4proto tcp counter name tcp_out; }
}
NFT
done

# "host name value" lines: link_tx/link_rx (eth0 bytes), tbf_out/tbf_in (bytes through the rate limiters,
# and their drops), udp_/tcp_ in/out bytes
snapshot() {
  local k line
  for ((k = 0; k < HOSTS; k++)); do
    while read -r name packets bytes; do
      case "$name" in
        link_tx|link_rx) echo "$k $name $bytes" ;;
        tbf_out|tbf_in) echo "$k ${name}_bytes $bytes"; echo "$k ${name}_dropped $packets" ;;
      esac
    done < <("$SIM" counters "$k")
    for line in udp_in udp_out tcp_in tcp_out; do
      echo "$k $line $("$SIM" exec "$k" nft list counter inet avsim_proto "$line" | grep -oE 'bytes [0-9]+' | awk '{print $2}')"
    done
  done
}

# ---- Spark standalone: master on host 0, a worker of one core on each of hosts 1..W ------------------
# shellcheck source=../../deploy/jvm-env.sh
source "$ROOT/deploy/jvm-env.sh"
FLAGS=("${AVERON_JAVA_FLAGS[@]}")
# Spark's RPC authenticated and encrypted, as deploy/local-cluster/start.sh --auth-secret-file does: the daemons
# get the secret in their environment (not on a command line) and hand it to the executors; the driver reads
# it from a properties file only root can read
umask 077
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$SECRETS/spark-auth.secret"
printf 'spark.authenticate=true\nspark.network.crypto.enabled=true\nspark.authenticate.secret=%s\n' \
  "$(cat "$SECRETS/spark-auth.secret")" > "$SECRETS/spark-auth.properties"
umask 022
FLAGS+=(-Dspark.authenticate=true -Dspark.network.crypto.enabled=true)

wait_for() { # FILE TEXT SECONDS
  local i
  for ((i = 0; i < $3 * 2; i++)); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.5; done
  echo "spark-on-sim.sh: no '$2' in $1 after $3 s:" >&2; tail -30 "$1" >&2; return 1
}

mkdir -p "$OUT/cluster" "$OUT/events"
daemon() { # HOST LOG CLASS ARGS...: a Spark daemon in HOST's namespace, bound to its address
  local k="$1" logfile="$2"; shift 2
  (export SPARK_LOCAL_IP="$(addr "$k")" SPARK_SCALA_VERSION="$SCALA" _SPARK_AUTH_SECRET
   _SPARK_AUTH_SECRET="$(cat "$SECRETS/spark-auth.secret")"
   exec "$SIM" exec "$k" java "${FLAGS[@]}" -Xmx512m -cp "$SPARK_HOME/jars/*" "$@") > "$logfile" 2>&1 < /dev/null &
}
log "master on host 0 ($MASTER), $WORKERS workers of 1 core on hosts 1..$WORKERS"
daemon 0 "$OUT/cluster/master.log" org.apache.spark.deploy.master.Master --host "$(addr 0)" --port "$PORT" --webui-port 0
wait_for "$OUT/cluster/master.log" "I have been elected leader" 90
for ((k = 1; k <= WORKERS; k++)); do
  mkdir -p "$OUT/cluster/worker-$k"
  daemon "$k" "$OUT/cluster/worker-$k.log" org.apache.spark.deploy.worker.Worker --host "$(addr "$k")" --cores 1 \
    --memory 1536m --work-dir "$OUT/cluster/worker-$k" --webui-port 0 "$MASTER"
done
for ((k = 1; k <= WORKERS; k++)); do wait_for "$OUT/cluster/worker-$k.log" "Successfully registered with master" 120; done

# ---- the job: the driver on host 0 (client mode) ---------------------------------------------------------
snapshot > "$OUT/counters-before.txt"
# shellcheck disable=SC2206
EXTRA=(${TRAIN_ARGS:-})
SUBMIT=("$ROOT/deploy/spark-submit.sh" --master "$MASTER" --deploy-mode client
  --properties-file "$SECRETS/spark-auth.properties"
  --conf spark.driver.host="$(addr 0)" --conf spark.driver.bindAddress="$(addr 0)"
  --conf spark.executor.cores=1 --conf spark.cores.max="$WORKERS" --conf spark.executor.memory=1g --driver-memory 2g
  --conf spark.scheduler.maxRegisteredResourcesWaitingTime=180s
  --conf spark.eventLog.enabled=true --conf spark.eventLog.dir="file://$OUT/events"
  -- train --data fashion-mnist --model "$MODEL" --epochs "$EPOCHS" --workers "$WORKERS" --averaging sharded
  --out "$OUT/run" --no-progress "${EXTRA[@]}")
printf '%q ' "${SUBMIT[@]}" > "$OUT/submit-command.txt"; echo >> "$OUT/submit-command.txt"
log "submitting from host 0: train --model $MODEL --epochs $EPOCHS --workers $WORKERS --averaging sharded"
started=$(date +%s)
(export SPARK_LOCAL_IP="$(addr 0)" AVERON_JAR="$JAR"
 exec "$SIM" exec 0 timeout -k 30 "$RUN_TIMEOUT_S" "${SUBMIT[@]}") > "$OUT/submit.log" 2>&1 < /dev/null &
SUBMIT_PID=$!
set +e; wait "$SUBMIT_PID"; status=$?; set -e
SUBMIT_PID=""
elapsed=$(($(date +%s) - started))
snapshot > "$OUT/counters-after.txt"
log "spark-submit exited $status after $elapsed s"

# ---- checks --------------------------------------------------------------------------------------------
failures=()
fail() { failures+=("$*"); echo "CHECK FAILED: $*" >&2; }
[[ "$status" == 0 ]] || fail "spark-submit exited $status (tail of $OUT/submit.log below)"
M="$OUT/run/metrics.json"
if [[ -f "$M" ]]; then
  [[ "$(jq '.epochs | length' "$M")" == "$EPOCHS" ]] || fail "metrics.json has $(jq '.epochs | length' "$M") epochs, not $EPOCHS"
  [[ "$(jq --argjson w "$WORKERS" '[.epochs[] | select(.workers == $w and (.sync_seconds_per_worker | length) == $w)] | length' "$M")" == "$EPOCHS" ]] \
    || fail "not every epoch has workers = $WORKERS and $WORKERS sync_seconds_per_worker"
  accuracy="$(jq '.epochs[-1].test_accuracy' "$M")"
  jq -e --argjson min "$MIN_ACCURACY" '.epochs[-1].test_accuracy > $min' "$M" > /dev/null \
    || fail "test accuracy $accuracy is not above $MIN_ACCURACY"
else
  fail "no $M"
fi

# where the executors ran: each one's log is in the work dir of the worker that launched it, and names the
# address Spark gave its task ("worker N (attempt A) on HOST"); Spark's event log says which host each
# executor registered from
declare -A trained_on=()
for ((k = 1; k <= WORKERS; k++)); do
  while read -r w host; do
    [[ -n "$w" ]] || continue
    [[ "$host" == "$(addr "$k")" ]] || fail "worker $w trained in host $k's worker directory but says it ran on $host"
    trained_on[$w]="$host"
  done < <(grep -rhoE "worker [0-9]+ \(attempt [0-9]+\) on [0-9.]+" "$OUT/cluster/worker-$k"/app-*/*/stderr 2>/dev/null \
             | awk '{print $2, $NF}' | sort -u)
done
distinct_hosts="$(printf '%s\n' "${trained_on[@]:-}" | sort -u | grep -c . || true)"
((${#trained_on[@]} == WORKERS && distinct_hosts == WORKERS)) \
  || fail "training workers ran on $distinct_hosts distinct simulated hosts (${#trained_on[@]} workers found), not $WORKERS"
EVENTS="$(ls "$OUT"/events/* 2>/dev/null | head -1 || true)"
executor_hosts=""
if [[ -n "$EVENTS" ]]; then
  executor_hosts="$(jq -r 'select(.Event == "SparkListenerExecutorAdded") | "\(.["Executor ID"])=\(.["Executor Info"].Host)"' "$EVENTS" | sort -u | tr '\n' ' ')"
fi
[[ "$(tr ' ' '\n' <<<"$executor_hosts" | cut -d= -f2 | grep -c '^198\.18\.' || true)" -ge "$WORKERS" ]] \
  || fail "the event log names executors on fewer than $WORKERS simulated hosts: $executor_hosts"

# traffic: per host, counter deltas
delta() { # HOST NAME
  local a b
  a="$(awk -v k="$1" -v n="$2" '$1 == k && $2 == n {print $3}' "$OUT/counters-before.txt")"
  b="$(awk -v k="$1" -v n="$2" '$1 == k && $2 == n {print $3}' "$OUT/counters-after.txt")"
  echo $((b - a))
}
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
for ((k = 1; k <= WORKERS; k++)); do
  # a sharded round moves 2·M·4·(N−1)/N bytes each way per worker; the mlp's parameters alone are 0.8 MB
  (($(delta "$k" udp_out) > 1000000 && $(delta "$k" udp_in) > 1000000)) \
    || fail "host $k's link carried only $(delta "$k" udp_out) UDP bytes out and $(delta "$k" udp_in) in"
  (($(delta "$k" tbf_out_bytes) >= $(delta "$k" udp_out))) \
    || fail "host $k's rate limiter passed fewer bytes than its UDP output"
done

# ---- summary -------------------------------------------------------------------------------------------
{
  echo "# Real Spark across simulated hosts"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ); $HOSTS simulated hosts (master + driver on host 0, one 1-core worker on each of"
  echo "hosts 1..$WORKERS), links $RATE Mbit/s each way, MTU ${AVSIM_LINK_MTU:-9000}; spark-submit exit $status after $elapsed s."
  echo
  echo '```'
  cat "$OUT/submit-command.txt"
  echo '```'
  echo
  if [[ -f "$M" ]]; then
    echo "| epoch | wall s | sync s per worker | compute s per worker | test accuracy |"
    echo "|---:|---:|---|---|---:|"
    jq -r '.epochs[] | "| \(.epoch) | \(.wall_seconds * 100 | round / 100) | \([.sync_seconds_per_worker[] * 100 | round / 100] | join(", ")) | \([.compute_seconds_per_worker[]? * 100 | round / 100] | join(", ")) | \(.test_accuracy * 10000 | round / 10000) |"' "$M"
    echo
    echo "final test accuracy: $(jq '.final.test_accuracy // .epochs[-1].test_accuracy' "$M")"
    echo
  fi
  echo "training workers: $(for w in $(printf '%s\n' "${!trained_on[@]}" | sort -n); do printf 'worker %s on %s; ' "$w" "${trained_on[$w]}"; done)"
  echo "executors in the event log (id=host): $executor_hosts"
  echo
  echo "| host | role | link out MB | link in MB | UDP out MB | UDP in MB | TCP out MB | TCP in MB | tbf drops out/in |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
  for ((k = 0; k < HOSTS; k++)); do
    role=$([[ $k == 0 ]] && echo "master, driver" || echo "worker $k")
    echo "| $k ($(addr "$k")) | $role | $(mb "$(delta "$k" link_tx)") | $(mb "$(delta "$k" link_rx)") | $(mb "$(delta "$k" udp_out)") | $(mb "$(delta "$k" udp_in)") | $(mb "$(delta "$k" tcp_out)") | $(mb "$(delta "$k" tcp_in)") | $(delta "$k" tbf_out_dropped)/$(delta "$k" tbf_in_dropped) |"
  done
  echo
  if ((${#failures[@]} == 0)); then echo "All checks passed."; else printf -- '- FAILED: %s\n' "${failures[@]}"; fi
} > "$OUT/summary.md"
cat "$OUT/summary.md"
if ((${#failures[@]} > 0)); then
  echo "--- tail of $OUT/submit.log" >&2; tail -40 "$OUT/submit.log" >&2
  exit 1
fi
