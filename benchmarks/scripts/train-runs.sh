# Sourced by the benchmark scripts that compare `averon train` runs: sets ROOT (the repository) and OUT
# (a temporary directory removed on exit) and defines `train_run NAME ARGS...`, which runs
# `bin/averon train ARGS... --no-progress --out $OUT/NAME` (its log in $OUT/NAME.log) and stops the
# script with the log's tail if the run fails. The scripts then read $OUT/NAME/metrics.json.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

train_run() { # name, args...
  local name="$1"; shift
  "$ROOT/bin/averon" train "$@" --no-progress --out "$OUT/$name" >/dev/null 2>"$OUT/$name.log" \
    || { echo "$name failed:"; tail -3 "$OUT/$name.log"; exit 1; }
}
