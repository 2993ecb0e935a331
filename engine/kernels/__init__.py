"""Numba hot loops: plain functions over arrays, one file per kind of work.

Decorate with ``@njit(**JIT)``: ``nogil`` so a long kernel never freezes the GUI thread,
``cache`` only where a writable cache folder exists (engine.numba_cache).
"""
import os

from engine import numba_cache

numba_cache.configure()
# numba's parallel kernels run on an OpenMP pool whose threads, by default, spin for a while after each
# region; BLAS threads starting meanwhile find the cores taken. Measured: the capacity curve's tasks (a
# parallel recall between BLAS products) took 5.0 s with spinning and 3.5–3.9 s with sleeping waits
# (2 cores, 2 threads each). Set before the pool starts (at the first parallel kernel); a value the
# user set stands.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
JIT = numba_cache.jit_options()
