#!/usr/bin/env bash
# Averon's Spark engine vs DL4J's ParameterAveragingTrainingMaster on one Spark context (see
# SparkTrainingBenchmark), on the Spark 3.5 line (DL4J's Spark trainer exists only for Spark 3).
# Usage: benchmarks/scripts/spark-training.sh [EPOCHS] [TARGET]
AVERON_SPARK_LINE=3.5 exec "$(dirname "${BASH_SOURCE[0]}")/run-benchmark.sh" SparkTrainingBenchmark "${1:-8}" "${2:-0.87}"
