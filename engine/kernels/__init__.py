"""Numba hot loops: plain functions over arrays, one file per kind of work.

Decorate with ``@njit(**JIT)``: ``nogil`` so a long kernel never freezes the GUI thread,
``cache`` only where a writable cache folder exists (engine.numba_cache).
"""
from engine import numba_cache

numba_cache.configure()
JIT = numba_cache.jit_options()
