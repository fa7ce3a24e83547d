#!/usr/bin/env bash
# Averon's Spark engine vs DL4J's ParameterAveragingTrainingMaster on one Spark context (see
# SparkTrainingBenchmark). Usage: benchmarks/scripts/spark-training.sh [EPOCHS] [TARGET]
exec "$(dirname "${BASH_SOURCE[0]}")/run-benchmark.sh" SparkTrainingBenchmark "${1:-8}" "${2:-0.87}"
