#!/usr/bin/env bash
# Parameter-server round latency against raw Aeron UDP configured for throughput (issue 16), in the same
# run: RoundLatencyBenchmark for each averaging mode (server, sharded), size and worker count. One JVM per
# mode and size, each holding the machine's heavy-run lock (/tmp/averon-heavy.lock) while it measures;
# within a JVM, for each worker count, the raw peer and Averon's rounds alternate ROUNDS times. Prints
# each JVM's rows as they come, then the configuration and both tables (latency, CPU by role) together.
# Usage: benchmarks/scripts/round-latency.sh [ROUNDS=5] [SIZES=1000000,10000000,100000000] [WORKERS=2,4,8]
#        [MODES=server,sharded] [HEAP=14g]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ROUNDS="${1:-5}"; SIZES="${2:-1000000,10000000,100000000}"; WORKERS="${3:-2,4,8}"; MODES="${4:-server,sharded}"
HEAP="${5:-14g}"
OUT="$(mktemp -d)"; trap 'rm -rf "$OUT"' EXIT

(cd "$ROOT" && flock /tmp/averon-mvn.lock mvn -B -q -ntp -o -DskipTests package -pl benchmarks -am)
CP="$ROOT/benchmarks/target/averon-benchmarks-0.1.0-SNAPSHOT.jar:$ROOT/benchmarks/target/lib/*"
date
i=0
for mode in ${MODES//,/ }; do
  for size in ${SIZES//,/ }; do
    run="$OUT/$((i += 1)).txt"
    flock /tmp/averon-heavy.lock java --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED "-Xmx$HEAP" ${AVERON_RAW_OPTS:-} -cp "$CP" \
      io.averon.benchmarks.RoundLatencyBenchmark "$size" "$WORKERS" "$ROUNDS" "" "$mode" >"$run" 2>"$run.log" \
      || { echo "$mode $size failed:"; tail -5 "$run.log"; exit 1; }
    grep -E "^\| (server|sharded) " "$run"
  done
done

echo
python3 - "$OUT" "$i" <<'PY'
import sys
out, runs = sys.argv[1], int(sys.argv[2])
intro, tables = [], [[], []]  # each table: header lines, then every run's rows
for n in range(1, runs + 1):
    table = -1
    for line in open(f"{out}/{n}.txt").read().splitlines():
        if line.startswith("| mode"):
            table += 1
        if table < 0 or not line.startswith("|"):
            if n == 1 and line and table < 1:
                intro.append(line)
            continue
        if n == 1 or not (line.startswith("| mode") or line.startswith("|---")):
            tables[table].append(line)
print("\n".join(intro[:-1]))
print("\n".join(tables[0]))
print()
print(intro[-1])
print("\n".join(tables[1]))
PY
