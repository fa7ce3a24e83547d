#!/usr/bin/env bash
# Batch scoring throughput: averon score vs one process calling output() on one core (see
# ScoringBenchmark). Usage: benchmarks/scripts/scoring.sh [mlp|cnn] [BATCH]
exec "$(dirname "${BASH_SOURCE[0]}")/run-benchmark.sh" ScoringBenchmark "${1:-mlp}" "${2:-256}"
