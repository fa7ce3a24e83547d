#!/usr/bin/env bash
# How far 2 workers scale over 1 on this machine, against what the machine itself allows, in one run:
# (a) one single-threaded local-engine training process alone vs two of them running at once (the
# hardware's ceiling for two independent one-core jobs), (b) the spark engine with 1 worker vs 2
# workers (128 examples per worker and step, sync per epoch). Same model (mlp, Adam 1e-3 constant)
# and data (Fashion-MNIST) everywhere; examples/s is the median of epochs 2.. from metrics.json.
# Usage: benchmarks/scripts/worker-scaling.sh [EPOCHS]
set -euo pipefail
EPOCHS="${1:-4}"
source "$(dirname "${BASH_SOURCE[0]}")/train-runs.sh"

run() { # name, args...
  local name="$1"; shift
  train_run "$name" --model mlp --lr 0.001 --lr-schedule constant --epochs "$EPOCHS" "$@"
}

run local-solo --engine local --threads 1
run local-pair-a --engine local --threads 1 & A=$!
run local-pair-b --engine local --threads 1 & B=$!
wait "$A" "$B"
run spark-1w --workers 1 --batch-size 128
run spark-2w --workers 2 --batch-size 256

python3 - "$OUT" <<'PY'
import json, statistics, sys
out = sys.argv[1]
def rate(name):
    eps = json.load(open(f"{out}/{name}/metrics.json"))["epochs"]
    return statistics.median(e["examples_per_second"] for e in (eps[1:] if len(eps) > 1 else eps))
solo, pair = rate("local-solo"), rate("local-pair-a") + rate("local-pair-b")
one, two = rate("spark-1w"), rate("spark-2w")
print("| run | examples/s (median epoch 2..) | ratio |")
print("|---|---:|---:|")
print(f"| local engine, 1 thread, alone | {solo:,.0f} | 1.00x |")
print(f"| two local-engine processes at once, 1 thread each (sum) | {pair:,.0f} | {pair / solo:.2f}x (the machine's ceiling) |")
print(f"| spark, 1 worker | {one:,.0f} | 1.00x |")
print(f"| spark, 2 workers, sync per epoch | {two:,.0f} | {two / one:.2f}x |")
print(f"\n2 workers vs 1: {two / one:.2f}x; two independent processes vs one: {pair / solo:.2f}x; "
      f"Averon's scaling as a share of the machine's: {(two / one) / (pair / solo):.0%}")
PY
