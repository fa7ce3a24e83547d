#!/usr/bin/env bash
# Averon against PyTorch's CPU training of the same networks (PeerBenchmark), each measurement in
# its own process. Installs Debian's PyTorch first when /usr/bin/python3 cannot import it (as root;
# otherwise it prints the apt-get line and stops). PyTorch is a benchmark-only peer: no Maven build
# or test needs it.
# Usage: benchmarks/scripts/pytorch-peer.sh compare [rounds=5] [seconds=20] [threads=1,2] [models=mlp,cnn,fashion-resnet] [batch=128]
#        benchmarks/scripts/pytorch-peer.sh sweep [rounds=3] [seconds=8] [threads=1] [models=mlp,cnn] [batches=16,32,64,128,256,512]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PYTHON="${AVERON_PYTHON:-/usr/bin/python3}"
# libopenblas0-openmp: without it torch's generic BLAS resolves to the reference BLAS, ~10x slower
PACKAGES=(python3-torch python3-numpy libopenblas0-openmp)
if ! "$PYTHON" -c 'import torch, numpy' 2>/dev/null || ! dpkg -s libopenblas0-openmp >/dev/null 2>&1; then
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "PyTorch is missing; install it as root: apt-get install -y ${PACKAGES[*]}" >&2
    exit 1
  fi
  if [[ "$PYTHON" != /usr/bin/python3 ]]; then
    echo "$PYTHON cannot import torch and numpy (Debian's python3-torch serves /usr/bin/python3 only)" >&2
    exit 1
  fi
  apt-get update -qq && apt-get install -y "${PACKAGES[@]}"
fi
if [[ ! -d /usr/share/datasets/fashion-mnist ]]; then
  echo "Fashion-MNIST is missing; install it as root: apt-get install -y dataset-fashion-mnist" >&2
  exit 1
fi
export AVERON_ROOT="$ROOT" AVERON_PYTHON="$PYTHON"
exec "$ROOT/benchmarks/scripts/run-benchmark.sh" PeerBenchmark "$@"
