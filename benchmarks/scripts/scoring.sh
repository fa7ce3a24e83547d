#!/usr/bin/env bash
# Batch scoring throughput: averon score vs one process calling output() on one core (see
# ScoringBenchmark). Usage: benchmarks/scripts/scoring.sh [mlp|cnn] [BATCH] [ROUNDS]
# One OpenMP thread: each Spark task and the single-process peer use one core each (as bin/averon score).
OMP_NUM_THREADS=1 exec "$(dirname "${BASH_SOURCE[0]}")/run-benchmark.sh" ScoringBenchmark "${1:-mlp}" "${2:-256}" "${3:-5}"
