"""Numba hot loops: plain functions over arrays, one file per kind of work.

Decorate with ``@njit(**JIT)``: ``nogil`` so a long kernel never freezes the GUI thread,
``cache`` only where a writable cache folder exists (engine.numba_cache).
"""
import os

from engine import numba_cache

numba_cache.configure()
# numba's parallel kernels run on an OpenMP pool whose threads, by default, spin for ~3 ms after each
# region; BLAS threads starting meanwhile find the cores taken. Measured: the capacity curve's tasks (a
# parallel recall between BLAS products) took 5.0 s with spinning and 3.5–3.9 s with sleeping waits
# (2 cores, 2 threads each). Sleeping at once costs each region a wake-up instead (tens of µs in a
# VM): an RBM step starts five regions a few hundred µs apart, and its 60k-MNIST epoch took 1.5–1.9 s
# with sleeping waits, 1.3–1.4 s with a short spin (GOMP_SPINCOUNT 30000, about 0.3 ms), 1.3 s always
# spinning; the capacity curve with the short spin stayed within its run-to-run noise. Set before the
# pool starts (at the first parallel kernel); values the user set stand.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("GOMP_SPINCOUNT", "30000")   # libgomp's: an explicit count overrides PASSIVE's 0
JIT = numba_cache.jit_options()
