#!/usr/bin/env bash
# What frequent averaging costs (issue 16's first target): 2 workers, Fashion-MNIST mlp, batch 128 per
# worker, 3 epochs; averaging once per epoch against every 5 minibatches, plain and with the cheaper
# rounds (parameters only between epochs, bf16 changes, overlap). The runs alternate for ROUNDS rounds;
# the table gives each configuration's median examples/s (median epoch 2..) and its ratio to per-epoch
# averaging, and the test accuracy after the last epoch.
# Usage: benchmarks/scripts/sync-cost.sh [ROUNDS] [EPOCHS]
set -euo pipefail
ROUNDS="${1:-3}"
EPOCHS="${2:-3}"
source "$(dirname "${BASH_SOURCE[0]}")/train-runs.sh"

declare -A CONFIGS=(
  [epoch]=""
  [sync5-flat]="--sync-every 5 --no-hierarchical"
  [sync5]="--sync-every 5"
  [sync5-params]="--sync-every 5 --updater-sync-every 0"
  [sync5-params-bf16]="--sync-every 5 --updater-sync-every 0 --compress bf16"
  [sync5-params-bf16-overlap]="--sync-every 5 --updater-sync-every 0 --compress bf16 --overlap"
)
ORDER=(epoch sync5-flat sync5 sync5-params sync5-params-bf16 sync5-params-bf16-overlap)
if [[ -n "${3:-}" ]]; then IFS=, read -r -a ORDER <<< "$3"; fi
for ((r = 1; r <= ROUNDS; r++)); do
  for name in "${ORDER[@]}"; do
    # shellcheck disable=SC2086
    train_run "$name-$r" --model mlp --lr 0.001 --lr-schedule constant --epochs "$EPOCHS" --workers 2 \
      --batch-size 256 ${CONFIGS[$name]}
  done
done

python3 - "$OUT" "$ROUNDS" "${ORDER[@]}" <<'PY'
import json, statistics, sys
out, rounds, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rows = {}
for name in names:
    rates, accs = [], []
    for r in range(1, rounds + 1):
        eps = json.load(open(f"{out}/{name}-{r}/metrics.json"))["epochs"]
        rates.append(statistics.median(e["examples_per_second"] for e in eps[1:]))
        accs.append(eps[-1]["test_accuracy"])
    rows[name] = (statistics.median(rates), rates, statistics.median(accs))
base = rows["epoch"][0]
print("| averaging | examples/s (median of rounds) | rounds | vs once per epoch | test accuracy (median) |")
print("|---|---|---|---|---|")
for name, (rate, rates, acc) in rows.items():
    print(f"| {name} | {rate:,.0f} | {[round(x) for x in rates]} | {rate / base:.2f}x | {acc:.4f} |")
PY
