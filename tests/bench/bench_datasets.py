"""Benchmarks for engine.datasets and engine.patterns (run by `hebbgui bench datasets`)."""
from __future__ import annotations

import gzip
import struct
import tempfile
import time
from pathlib import Path

import numpy as np
from common import best_time, row

from engine import datasets, patterns


def bench_mnist_load(quick: bool = False) -> list[dict]:
    """First MNIST read of the process vs a cached call (the GUI asks for it repeatedly)."""
    datasets._MNIST_CACHE.clear()
    t0 = time.perf_counter()
    datasets.load_mnist("train")
    cold = time.perf_counter() - t0
    warm = best_time(lambda: datasets.load_mnist("train", n=1000), repeat=3, min_time=0.05)
    return [row("mnist_load", "train split, first call", cold * 1e3, "ms", target="< 1000 ms"),
            row("mnist_load", "cached call (n=1000)", warm * 1e6, "µs", baseline="first call",
                baseline_value=cold * 1e6, ratio=cold / warm)]


def _write_idx(path: Path, x: np.ndarray) -> None:
    head = bytes([0, 0, 0x08, x.ndim]) + b"".join(struct.pack(">I", d) for d in x.shape)
    path.write_bytes(gzip.compress(head + x.tobytes(), compresslevel=1))


def bench_idx_read(quick: bool = False) -> list[dict]:
    """Reading a gzipped IDX images file of MNIST size, as a user-supplied data set."""
    x, _ = datasets.load_mnist("train", n=10000 if quick else 60000)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "train-images-idx3-ubyte.gz"
        _write_idx(path, np.ascontiguousarray(x))
        secs = best_time(lambda: datasets.load_file(path), repeat=3, min_time=0.1)
    return [row("idx_read", f"{len(x)} images, .gz", secs * 1e3, "ms",
                target="well under a second")]


def _flip_noise_loop(x: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """The scaffold's flip_noise: one rng.choice per pattern in a Python loop."""
    out = x.copy()
    k = int(round(fraction * x.shape[1]))
    for r in out:
        idx = rng.choice(x.shape[1], size=k, replace=False)
        r[idx] = -r[idx]
    return out


def bench_flip_noise(quick: bool = False) -> list[dict]:
    """Corrupting stacks of bipolar patterns (the capacity and basin experiments do this):
    short patterns (vectorised draw) and MNIST-sized ones (per-pattern choice)."""
    rows = []
    for p, n in ((1000 if quick else 5000, 100), (200 if quick else 2000, 784)):
        x = patterns.to_bipolar(np.random.default_rng(0).integers(0, 2, (p, n)))
        ours = best_time(lambda: patterns.flip_noise(x, 0.2, seed=1), repeat=3, min_time=0.1)
        rng = np.random.default_rng(1)
        loop = best_time(lambda: _flip_noise_loop(x, 0.2, rng), repeat=3, min_time=0.1)
        rows.append(row("flip_noise", f"({p}, {n}), 20 %", ours * 1e3, "ms", baseline="per-pattern choice loop",
                        baseline_value=loop * 1e3, ratio=loop / ours, target="ratio ≥ 1 (short), ≈ 1 (long)"))
    return rows


def bench_hamming(quick: bool = False) -> list[dict]:
    """All-pairs Hamming distances between probes and stored patterns."""
    rng = np.random.default_rng(2)
    a = patterns.to_bipolar(rng.integers(0, 2, (100, 784)))
    b = patterns.to_bipolar(rng.integers(0, 2, (100 if quick else 300, 784)))
    ours = best_time(lambda: patterns.hamming(a, b), repeat=3, min_time=0.1)
    plain = best_time(lambda: (a[:, None, :] != b[None, :, :]).sum(-1), repeat=3, min_time=0.1)
    return [row("hamming", f"100 x {len(b)} pairs, N=784", ours * 1e3, "ms", baseline="broadcast != count",
                baseline_value=plain * 1e3, ratio=plain / ours)]


BENCHES = [bench_mnist_load, bench_idx_read, bench_flip_noise, bench_hamming]
