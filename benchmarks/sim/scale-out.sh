#!/usr/bin/env bash
# Scale-out sweep on a simulated cluster (issue 16, item 4): ScaleOutBenchmark per (mode, N, M) on N
# simulated hosts (sim-cluster.sh), then a PNG of round time against N, one line per mode and M, with
# the sharded bandwidth bound 2·M·4·(N−1)/N / B drawn dashed. Root only. gnuplot (Debian gnuplot-nox) is
# installed here for the plot and is no dependency of Averon.
# Usage: benchmarks/sim/scale-out.sh OUT_DIR [WORKERS=2,4,8,16,32,64] [PARAMS=1000000,10000000,25000000]
#        [MODES=sharded,server] [ROUNDS=4] [RATE_MBIT=100] [MEMORY_GB=15] [MAX_CELL_S=300]
#        [HIERARCHICAL=false (true, or false,true for both)] [MIN_PER_HOST=1] [MAX_PER_HOST=MIN_PER_HOST]
# Environment: AVERON_SKIP_BUILD=1 uses the benchmarks jar as built; AVSIM_QUEUE_MS (sim-cluster.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$(mkdir -p "$1" && cd "$1" && pwd)"
WORKERS="${2:-2,4,8,16,32,64}"; PARAMS="${3:-1000000,10000000,25000000}"; MODES="${4:-sharded,server}"
ROUNDS="${5:-4}"; RATE="${6:-100}"; MEMORY_GB="${7:-15}"; MAX_CELL_S="${8:-300}"
HIERARCHICAL="${9:-false}"; MIN_PER_HOST="${10:-1}"; MAX_PER_HOST="${11:-$MIN_PER_HOST}"
[[ "$(id -u)" == 0 ]] || { echo "scale-out.sh: needs root (network namespaces)" >&2; exit 2; }

[[ -n "${AVERON_SKIP_BUILD:-}" ]] || (cd "$ROOT" && mvn -B -ntp -q -o -pl benchmarks -am package -DskipTests)
command -v gnuplot >/dev/null || apt-get install -y -q gnuplot-nox >/dev/null \
  || { apt-get update -qq && apt-get install -y -q gnuplot-nox >/dev/null; }

java -cp "$ROOT/benchmarks/target/averon-benchmarks-0.1.0-SNAPSHOT.jar:$ROOT/benchmarks/target/lib/*" \
  io.averon.benchmarks.sim.ScaleOutBenchmark script="$ROOT/benchmarks/sim/sim-cluster.sh" dir="$OUT/runs" \
  csv="$OUT/scale-out.csv" modes="$MODES" workers="$WORKERS" params="$PARAMS" rounds="$ROUNDS" rate="$RATE" \
  memoryGb="$MEMORY_GB" maxCellSeconds="$MAX_CELL_S" hierarchical="$HIERARCHICAL" minPerHost="$MIN_PER_HOST" \
  maxPerHost="$MAX_PER_HOST" | tee "$OUT/scale-out.md"

# one data file per (mode, M, hierarchical) and one bound per M, from the CSV (a fixed number of series:
# bounded loops); hierarchical is column 20 (absent, so flat, in CSVs written before it existed)
plots=()
for series in $(tail -n +2 "$OUT/scale-out.csv" | awk -F, '{ print $1 "," $3 "," ($20 == "true" ? "hier" : "flat") }' | sort -u); do
  IFS=, read -r mode m hier <<<"$series"
  awk -F, -v mode="$mode" -v m="$m" -v hier="$hier" \
    '$1 == mode && $3 == m && ($20 == "true" ? "hier" : "flat") == hier { print $2, $8 }' "$OUT/scale-out.csv" | sort -n \
    > "$OUT/$mode-$m-$hier.dat"
  label="$mode"; [[ "$hier" == flat ]] || label="$mode, hierarchical"
  plots+=("'$OUT/$mode-$m-$hier.dat' using 1:2 with linespoints lw 2 title '$label, M = $((m / 1000000))M'")
done
for m in $(tail -n +2 "$OUT/scale-out.csv" | cut -d, -f3 | sort -un); do
  plots+=("[2:64] 2*$m*4*(x-1)/x/($RATE*125000.0) with lines dt 2 lc rgb 'gray40' title 'bound 2·M·4·(N−1)/N/B, M = $((m / 1000000))M'")
done
gnuplot <<GP
set terminal pngcairo size 1100,700 noenhanced
set output '$OUT/scale-out.png'
set title 'Round time on a simulated cluster: links of $RATE Mbit/s each way (median of rounds 2..$ROUNDS)'
set xlabel 'workers N'
set ylabel 'round time [s]'
set logscale xy 2
set xtics (2, 4, 8, 16, 32, 64)
set key outside right
set grid
plot $(IFS=,; echo "${plots[*]}")
GP
echo "scale-out.sh: $OUT/scale-out.csv, $OUT/scale-out.md, $OUT/scale-out.png"
