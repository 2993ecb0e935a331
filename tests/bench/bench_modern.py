"""Modern Hopfield and BAM benchmarks: batched softmax retrieval of 10⁴ probes from 10⁴ stored MNIST
digits (784-d) against a plain numpy per-probe softmax loop, and batched BAM recall against one probe
at a time. Both sides run in this process at the same dtype and BLAS thread count; the machine is
shared, so read the ratios (the load is printed with each row)."""
from __future__ import annotations

import os
import time

import numpy as np
from common import row

from engine import datasets
from engine.models.bam import BAM
from engine.models.modern import ModernHopfield

N_STORED = 10_000
N_PROBES = 10_000


def load_average() -> str:
    try:
        return f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    except OSError:
        return "load unknown"


def digits(n: int, dtype) -> np.ndarray:
    x, _ = datasets.load_mnist("train", n)
    return (x.reshape(n, -1).astype(np.float64) * (2.0 / 255.0) - 1.0).astype(dtype)


def per_probe_loop(x: np.ndarray, probes: np.ndarray, beta: float) -> np.ndarray:
    """The textbook transcription: one probe at a time, s = β X ξ, softmax, ξ = Xᵀ p."""
    out = np.empty_like(probes)
    for i, xi in enumerate(probes):
        s = beta * (x @ xi)
        p = np.exp(s - s.max())
        out[i] = (p / p.sum()) @ x
    return out


def bench_retrieval(quick=False):
    """Probes/s, one update each, 10⁴ probes against 10⁴ stored digits: top halves (the issue's case,
    float32 and float64; the scores need only the 392 known features) and, in float32, whole digits
    with 10 % of their pixels flipped (every feature known: the full score product)."""
    rows = []
    stored = digits(N_STORED, np.float64)
    n_probes = 2_000 if quick else N_PROBES
    rng = np.random.default_rng(0)
    for dtype, kind in ((np.float32, "top halves"), (np.float64, "top halves"), (np.float32, "10 % flipped")):
        x = stored.astype(dtype)
        probes = x[:n_probes].copy()
        if kind == "top halves":
            probes[:, 392:] = 0
        else:
            probes[rng.random(probes.shape) < 0.1] *= -1
        net = ModernHopfield(beta=1.0, dtype=np.dtype(dtype).name)
        net.store(x)
        net.retrieve(probes[:256])   # warm-up
        t0, c0 = time.perf_counter(), time.process_time()
        ours = net.retrieve(probes)
        rate = n_probes / (time.perf_counter() - t0)
        # what one core's worth of CPU time does (all BLAS threads summed): the wall rate on a loaded,
        # shared machine is a fraction of it
        cpu_rate = n_probes / (time.process_time() - c0)
        n_loop = 200 if quick else 1_000   # the loop is timed on a prefix: its rate does not depend on how many
        t0 = time.perf_counter()
        base = per_probe_loop(x, probes[:n_loop], 1.0)
        base_rate = n_loop / (time.perf_counter() - t0)
        tol = 1e-3 if dtype == np.float32 else 1e-9
        assert np.abs(ours[:n_loop] - base).max() < tol, "batched and per-probe retrieval disagree"
        rows.append(row("modern retrieval", f"{n_probes:,} probes ({kind}) × {N_STORED:,} stored × 784, "
                        f"{np.dtype(dtype).name}, one update; {cpu_rate:,.0f} per CPU-second; {load_average()}",
                        rate, "probes/s",
                        baseline=f"numpy per-probe softmax loop ({n_loop:,} probes)", baseline_value=base_rate,
                        ratio=rate / base_rate, target="≥ 10,000 probes/s"))
    return rows


def bench_bam_recall(quick=False):
    """Recalls/s of 10 %-flipped probes in a BAM of 10 random pairs, 256 ↔ 128 units: batch vs one by one."""
    rng = np.random.default_rng(0)
    n, k, m = 256, 128, 10
    X = np.where(rng.random((m, n)) < 0.5, 1.0, -1.0)
    Y = np.where(rng.random((m, k)) < 0.5, 1.0, -1.0)
    bam = BAM().store(X, Y)
    n_probes = 2_000 if quick else 10_000
    probes = X[rng.integers(0, m, n_probes)].copy()
    flips = rng.random(probes.shape) < 0.1
    probes[flips] = -probes[flips]
    t0 = time.perf_counter()
    bam.recall(x=probes)
    rate = n_probes / (time.perf_counter() - t0)
    n_one = 200 if quick else 1_000
    t0 = time.perf_counter()
    for p in probes[:n_one]:
        bam.recall(x=p)
    one_rate = n_one / (time.perf_counter() - t0)
    return [row("bam recall", f"{n_probes:,} probes, {m} pairs, {n} ↔ {k} units, 10 % flipped; {load_average()}",
                rate, "recalls/s", baseline="BAM.recall one probe at a time", baseline_value=one_rate,
                ratio=rate / one_rate)]


BENCHES = [bench_retrieval, bench_bam_recall]
