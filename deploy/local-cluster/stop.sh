#!/usr/bin/env bash
# Stops the cluster start.sh started from RUNDIR: workers first (they stop their executors), then the master.
#   deploy/local-cluster/stop.sh [--dir RUNDIR]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUNDIR="$HERE/../target/local-cluster"
[[ "${1:-}" == --dir ]] && RUNDIR="$2"
[[ -d "$RUNDIR" ]] || exit 0

stop() {
  local pidfile="$1"
  [[ -f "$pidfile" ]] || return 0
  local pid; pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
for f in "$RUNDIR"/worker-*.pid; do [[ -e "$f" ]] && stop "$f"; done
# executors a killed worker could not stop: the ones whose working directory is in RUNDIR
RUNDIR="$(cd "$RUNDIR" && pwd)"
for pid in $(pgrep -f CoarseGrainedExecutorBackend || true); do
  [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$RUNDIR"/* ]] && kill -9 "$pid" 2>/dev/null || true
done
stop "$RUNDIR/master.pid"
