#!/usr/bin/env bash
# Spark engine vs the local engine, all in one run on the same data (Fashion-MNIST) and model (mlp):
# steady-state examples/s (median epoch after the first) and training time to a target test
# accuracy, from each run's metrics.json. Usage: benchmarks/scripts/spark-engine.sh [EPOCHS] [TARGET]
set -euo pipefail
EPOCHS="${1:-8}"
TARGET="${2:-0.87}"
source "$(dirname "${BASH_SOURCE[0]}")/train-runs.sh"

run() { # name, args...
  local name="$1"; shift
  train_run "$name" --model mlp --lr 0.001 --lr-schedule constant --epochs "$EPOCHS" "$@"
}

run local --engine local
run spark-1w --workers 1
# --batch-size is the global minibatch on Spark: 256 = 128 per worker, the local engine's batch
run spark-2w --workers 2 --batch-size 256
run spark-2w-sync5 --workers 2 --sync-every 5 --batch-size 256

python3 - "$OUT" "$TARGET" <<'PY'
import json, statistics, sys
out, target = sys.argv[1], float(sys.argv[2])
rows = {}
for name in ["local", "spark-1w", "spark-2w", "spark-2w-sync5"]:
    m = json.load(open(f"{out}/{name}/metrics.json"))
    eps = m["epochs"]
    rate = statistics.median(e["examples_per_second"] for e in eps[1:]) if len(eps) > 1 else eps[0]["examples_per_second"]
    t, reached = 0.0, None
    for e in eps:
        t += e["wall_seconds"]
        if e["test_accuracy"] >= target:
            reached = (e["epoch"], t)
            break
    rows[name] = (rate, reached, eps[-1]["test_accuracy"], [round(e["test_accuracy"], 4) for e in eps])
base = rows["local"][0]
print(f"| run | examples/s (median epoch 2..) | vs local | epoch, seconds to {target} | final test accuracy | accuracy per epoch |")
print("|---|---|---|---|---|---|")
for name, (rate, reached, final, accs) in rows.items():
    r = f"epoch {reached[0]}, {reached[1]:.1f} s" if reached else "not reached"
    print(f"| {name} | {rate:,.0f} | {rate / base:.2f}x | {r} | {final:.4f} | {accs} |")
print(f"\n2 workers vs 1 worker (examples/s): {rows['spark-2w'][0] / rows['spark-1w'][0]:.2f}x")
PY
