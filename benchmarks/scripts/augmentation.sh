#!/usr/bin/env bash
# What --augment crop,flip costs: examples/s of the local engine with and without it, in one run, on the same
# data (Fashion-MNIST) and model, alternating the two runs ROUNDS times; median epoch after the first per run.
# Usage: benchmarks/scripts/augmentation.sh [MODEL] [EPOCHS] [ROUNDS]
set -euo pipefail
MODEL="${1:-mlp}"
EPOCHS="${2:-3}"
ROUNDS="${3:-2}"
source "$(dirname "${BASH_SOURCE[0]}")/train-runs.sh"

run() { # name, args...
  local name="$1"; shift
  train_run "$name" --engine local --model "$MODEL" --epochs "$EPOCHS" "$@"
}

for r in $(seq "$ROUNDS"); do
  run "plain-$r"
  run "augmented-$r" --augment crop,flip
done

python3 - "$OUT" "$ROUNDS" "$MODEL" <<'PY'
import json, statistics, sys
out, rounds, model = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def rate(name):
    eps = json.load(open(f"{out}/{name}/metrics.json"))["epochs"]
    return statistics.median(e["examples_per_second"] for e in (eps[1:] if len(eps) > 1 else eps))
print(f"| {model} | plain examples/s | with --augment crop,flip | ratio |")
print("|---|---:|---:|---:|")
ratios = []
for r in range(1, rounds + 1):
    p, a = rate(f"plain-{r}"), rate(f"augmented-{r}")
    ratios.append(a / p)
    print(f"| round {r} | {p:,.0f} | {a:,.0f} | {a / p:.2f}x |")
print(f"\nmedian ratio (augmented / plain): {statistics.median(ratios):.2f}x")
PY
