#!/usr/bin/python3
"""PyTorch CPU peer of Averon's ThroughputProbe: one measured configuration per process.

Trains the same network as Averon's model of the same name (layers, initialisation, optimiser)
on Fashion-MNIST's training set: a warm-up of whole steps, then whole training steps (zero_grad,
forward, loss, backward, optimizer.step) timed for a fixed wall time over a fixed permutation of
the examples, wrapping to its start. Run by PeerBenchmark; never by the Maven test suite.

Usage: torch_peer.py MODEL BATCH WARMUP_SECONDS MEASURED_SECONDS THREADS [DATA_DIR]
  MODEL     mlp | cnn | fashion-resnet
  DATA_DIR  default /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)

Prints one line to stdout:
  RESULT examples_per_second=... seconds=... ms_per_step=... params=... trainable=... torch=... blas=... malloc=...
where params counts as DL4J's numParams() does (batch-norm running mean and variance included,
since DL4J keeps them in its parameter vector) and trainable is what PyTorch's parameters() holds.
Shapes and parameter counts go to stderr.

With glibc's malloc defaults (blocks from 128 KB up mapped with mmap and unmapped when freed, the
heap trimmed), PyTorch's per-step temporaries (activations, gradients, Adam's intermediates) were
page-faulted in afresh on every step: on the VMs measured, ~330 page faults per mlp step and Adam's
step alone ~5 ms for 200k parameters instead of ~0.3 ms (the whole peer ~3x slower). ND4J, on
Averon's side, keeps its training memory in reused workspaces. So the peer keeps freed memory in the
heap (mallopt: mmap threshold 32 MB, no trimming), as a tuned PyTorch deployment would with jemalloc
or tcmalloc; PeerBenchmark gives Averon's JVM the same setting (glibc's MALLOC_* variables).
AVERON_PEER_MALLOC=default measures glibc's defaults instead. The RESULT line says which ran.
"""
import ctypes
import gzip
import math
import os
import re
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

SEED = 1            # ThroughputProbe's model seed
SHUFFLE_SEED = 7    # ThroughputProbe shuffles with its own fixed seed
LEARNING_RATE = 2e-3


def keep_freed_memory():
    """Stops glibc from unmapping freed blocks of 128 KB+ (see the module's doc); returns what malloc runs with."""
    if os.environ.get("AVERON_PEER_MALLOC", "tuned") == "default":
        return "glibc-default"
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return "not-glibc"
    m_trim_threshold, m_mmap_threshold = -1, -3
    ok = libc.mallopt(m_mmap_threshold, 32 << 20) == 1 and libc.mallopt(m_trim_threshold, 1 << 30) == 1
    return "glibc-kept" if ok else "glibc-default"


def read_idx(path):
    """An IDX file (optionally gzipped) as a numpy array of its declared shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    zero, dtype_code, dims = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims)
    if data.size != math.prod(shape):
        raise ValueError(f"{path}: {data.size} values, header says {shape}")
    return data.reshape(shape)


def xavier_(weight):
    """DL4J WeightInit.XAVIER: normal, mean 0, variance 2 / (fanIn + fanOut)."""
    fan_out, fan_in = weight.shape[0], weight.shape[1]
    with torch.no_grad():
        weight.normal_(0.0, math.sqrt(2.0 / (fan_in + fan_out)))


def relu_init_(weight):
    """DL4J WeightInit.RELU (He): normal, mean 0, variance 2 / fanIn; fanIn = inChannels * kH * kW for a conv."""
    fan_in = weight[0].numel()
    with torch.no_grad():
        weight.normal_(0.0, math.sqrt(2.0 / fan_in))


def linear(n_in, n_out, init):
    layer = nn.Linear(n_in, n_out)
    init(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def conv(c_in, c_out, kernel, stride=1, padding=0, bias=True):
    layer = nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=bias)
    relu_init_(layer.weight)
    if bias:
        nn.init.zeros_(layer.bias)
    return layer


def batch_norm(channels):
    # DL4J BatchNormalization defaults: eps 1e-5, decay 0.9 (PyTorch's momentum is 1 - decay)
    return nn.BatchNorm2d(channels, eps=1e-5, momentum=0.1)


def mlp():
    """Averon's mlp preset: dense 256 ReLU (Xavier), dropout 0.2, softmax 10 (Xavier)."""
    return nn.Sequential(linear(784, 256, xavier_), nn.ReLU(), nn.Dropout(p=0.2), linear(256, 10, xavier_))


def cnn():
    """Averon's cnn preset (LeNet-like, no padding): ReLU layers He-initialised, output Xavier."""
    return nn.Sequential(
        conv(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        conv(20, 50, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(),
        linear(50 * 4 * 4, 500, relu_init_), nn.ReLU(),
        linear(500, 10, xavier_))


class Block(nn.Module):
    """conv-BN-ReLU-conv-BN plus the shortcut (1x1 projection + BN when the shape changes), then ReLU."""

    def __init__(self, c_in, c_out, stride):
        super().__init__()
        # padding 1 on every side: FashionResnetExample's convolutions pad kernel / 2 explicitly, as here
        self.conv1 = conv(c_in, c_out, 3, stride, padding=1, bias=False)
        self.bn1 = batch_norm(c_out)
        self.conv2 = conv(c_out, c_out, 3, 1, padding=1, bias=False)
        self.bn2 = batch_norm(c_out)
        self.project = None
        if stride != 1 or c_in != c_out:
            self.project = nn.Sequential(conv(c_in, c_out, 1, stride, padding=0, bias=False), batch_norm(c_out))

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + (x if self.project is None else self.project(x)))


# FashionResnetExample.WIDTH: the stem's and first stage's channels; the second stage has twice as many
WIDTH = 48


def fashion_resnet():
    """examples' FashionResnetExample.network: stem, blocks W, 2W/2, 2W, global average pool, softmax."""
    return nn.Sequential(
        conv(1, WIDTH, 3, 1, padding=1, bias=False), batch_norm(WIDTH), nn.ReLU(), nn.MaxPool2d(2, 2),
        Block(WIDTH, WIDTH, 1), Block(WIDTH, 2 * WIDTH, 2), Block(2 * WIDTH, 2 * WIDTH, 1),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        linear(2 * WIDTH, 10, xavier_))


MODELS = {"mlp": (mlp, False), "cnn": (cnn, True), "fashion-resnet": (fashion_resnet, True)}


def blas_description():
    """BLAS as torch's build reports it, and the library the dynamic linker really loaded."""
    found = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    info = found.group(1) if found else "unknown"
    loaded = sorted({line.split()[-1] for line in open("/proc/self/maps") if "libblas" in line or "openblas" in line})
    library = os.path.basename(os.path.dirname(os.path.realpath(loaded[0]))) if loaded else "none-loaded"
    return f"{info}->{library}"


def shapes(model, example):
    """Each top-level module's output shape for one example, as a string."""
    out, x = [], example
    with torch.no_grad():
        for name, module in model.named_children():
            x = module(x)
            out.append(f"{name}:{type(module).__name__}{list(x.shape[1:])}")
    return " ".join(out)


def main(argv):
    if len(argv) not in (5, 6):
        sys.exit(__doc__)
    name, batch, warmup_seconds, measured_seconds, threads = argv[0], int(argv[1]), float(argv[2]), float(argv[3]), int(argv[4])
    data_dir = argv[5] if len(argv) == 6 else "/usr/share/datasets/fashion-mnist"
    if name not in MODELS:
        sys.exit(f"unknown model {name}: one of {', '.join(MODELS)}")
    malloc = keep_freed_memory()
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(SEED)

    images = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"))
    build, image_input = MODELS[name]
    features = torch.from_numpy(images.astype(np.float32) * np.float32(1.0 / 255.0))  # as Averon: x * (1f / 255f)
    features = features.reshape(-1, 1, 28, 28) if image_input else features.reshape(-1, 28 * 28)
    targets = torch.from_numpy(labels.astype(np.int64))
    n = features.shape[0]
    order = torch.from_numpy(np.random.default_rng(SHUFFLE_SEED).permutation(n))

    model = build()
    trainable = sum(p.numel() for p in model.parameters())
    running = sum(b.numel() for key, b in model.named_buffers() if key.endswith(("running_mean", "running_var")))
    print(f"{name}: {trainable + running} parameters as DL4J counts them ({trainable} trainable + {running} "
          f"batch-norm running mean/variance)", file=sys.stderr)
    print(f"{name}: shapes {shapes(model.eval(), features[:1])}", file=sys.stderr)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8)
    loss_fn = nn.CrossEntropyLoss()

    position = 0

    def step():
        nonlocal position
        if position + batch > n:
            position = 0
        index = order[position:position + batch]
        x, y = features.index_select(0, index), targets.index_select(0, index)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        position += batch

    warm_until = time.perf_counter() + warmup_seconds
    step()
    while time.perf_counter() < warm_until:
        step()
    steps = 0
    start = time.perf_counter()
    deadline = start + measured_seconds
    while time.perf_counter() < deadline:
        step()
        steps += 1
    seconds = time.perf_counter() - start
    print(f"RESULT examples_per_second={steps * batch / seconds:.1f} seconds={seconds:.2f} "
          f"ms_per_step={1000 * seconds / steps:.3f} params={trainable + running} trainable={trainable} "
          f"torch={torch.__version__} blas={blas_description()} malloc={malloc}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
