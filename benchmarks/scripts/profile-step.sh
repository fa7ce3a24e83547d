#!/usr/bin/env bash
# Profiles training steps with async-profiler (CPU samples, native frames included) and writes a flame
# graph of the training steps (samples under ThroughputProbe.step; warm-up and data loading left out):
# OUT.html (interactive) and OUT.png (a screenshot of it, for docs). The profiler is fetched from
# Maven Central (tools.profiler:async-profiler) into benchmarks/target; nothing else needs it.
# Usage: benchmarks/scripts/profile-step.sh MODEL BATCH MODE OUT [SECONDS=20]
#   MODEL  mlp | cnn | fashion-resnet;  MODE  averon (Averon's step) | dl4j-step (DL4J's own fit and updater)
#   e.g.   benchmarks/scripts/profile-step.sh mlp 16 dl4j-step docs/images/flame-mlp-dl4j-step
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODEL="$1" BATCH="$2" MODE="$3" OUT="$4" DURATION="${5:-20}"
VERSION=3.0
PROFILER="$ROOT/benchmarks/target/profiler"
LIB="$PROFILER/linux-x64/libasyncProfiler.so"
if [[ ! -f "$LIB" ]]; then
  (cd "$ROOT" && mvn -B -q -ntp dependency:copy -Dartifact="tools.profiler:async-profiler:$VERSION" \
      -DoutputDirectory="$PROFILER")
  (cd "$PROFILER" && unzip -q -o "async-profiler-$VERSION.jar" linux-x64/libasyncProfiler.so)
fi
mkdir -p "$(dirname "$OUT")"
OUT="$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")"
export OMP_NUM_THREADS=1
BENCH_JAVA_OPTS="-agentpath:$LIB=start,event=cpu,interval=1ms,file=$OUT.html,include=*ThroughputProbe.step*,minwidth=0.3,title=$MODEL-batch-$BATCH-$MODE" \
  "$ROOT/benchmarks/scripts/run-benchmark.sh" ThroughputProbe "$MODEL" "$BATCH" "$MODE" 3 "$DURATION" 1
CHROME="$(command -v chromium || command -v chromium-browser || true)"
if [[ -n "$CHROME" ]]; then
  "$CHROME" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1600,1300 \
    --screenshot="$OUT.png" "file://$OUT.html" 2>/dev/null
  echo "flame graph: $OUT.html, $OUT.png"
else
  echo "flame graph: $OUT.html (no chromium for the PNG: apt-get install -y chromium)"
fi
