"""The one thread policy: how many threads numba's parallel kernels and BLAS may use.

Why a policy (measured, shared/NOTES.md): on a 2-core laptop with one core busy — a student's
laptop always has one — a 2-thread numba ``prange`` recall fell from ≥ 10× a numpy loop to 1.8×,
and OpenBLAS threads spin the same way (a 64×64 ``eigh`` took 45 ms). A parallel region waits for
its slowest thread, and a thread sharing a core with another program is slow.

The policy:
  * the window (``hebbgui``) keeps a core for the GUI thread: numba and BLAS get ``cores − 1``
    threads, at least 1;
  * scripts, the CLI and the benches keep the libraries' defaults (every core): a researcher's
    sweep on an idle machine wants them;
  * ``HEBBGUI_THREADS=N`` (a whole number ≥ 1) overrides both — the setting, for a shared lab
    machine or a cluster node;
  * small BLAS products inside a per-step loop still run under ``blas_threads(1)`` where a
    model says so (the RBM's live step).
``apply`` is called once, early: before numba is imported it sets ``NUMBA_NUM_THREADS`` (which
every thread, the engine thread included, then uses); BLAS is limited process-wide through
threadpoolctl.
"""
from __future__ import annotations

import contextlib
import os
import sys

ENV = "HEBBGUI_THREADS"
BLAS_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_blas_limit = None  # the threadpoolctl limiter, kept alive while the limit holds


def cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def threads_for(gui: bool) -> int | None:
    """Threads for numba and BLAS under the policy; None = the libraries' defaults."""
    raw = os.environ.get(ENV, "").strip()
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise ValueError(f"{ENV} must be a whole number ≥ 1 (threads for numba and BLAS), got {raw!r}")
        return min(int(raw), max(cores(), 1))
    return max(1, cores() - 1) if gui else None


def apply(gui: bool) -> int | None:
    """Apply the policy to this process (see the module docstring); returns the thread count set."""
    global _blas_limit
    n = threads_for(gui)
    if n is None:
        return None
    if "numba" in sys.modules:  # too late for the environment: this thread at least
        import numba
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    else:
        os.environ["NUMBA_NUM_THREADS"] = str(n)
    # BLAS libraries loaded later (scipy's, under scikit-learn) read these when they load; one the
    # user set explicitly wins. Those already loaded (numpy's) are limited through threadpoolctl.
    for var in BLAS_ENV:
        os.environ.setdefault(var, str(n))
    import numpy  # noqa: F401  (loads numpy's BLAS, so the limit below reaches it)
    from threadpoolctl import threadpool_limits
    _blas_limit = threadpool_limits(limits=n, user_api="blas")
    return n


# threadpoolctl's controller, kept: building one scans the loaded libraries (7 ms, too slow per frame).
# It only sees the BLAS libraries loaded when it was built (scipy brings its own OpenBLAS), and a
# library only loads with a module import, so it is rebuilt when the count of imported modules moved.
_controller = None
_controller_modules = -1


def blas_threads(n: int | None):
    """Context limiting BLAS to n threads (None: leave as is).

    On a busy 2-core machine two BLAS threads ran the RBM's products 3–4× SLOWER than one, and a
    64×64 ``eigh`` took 4.6 ms instead of 0.5 ms (threads spin while the other core is taken); the
    GUI thread needs a core. A plain ``threadpool_limits`` looks the libraries up on every entry
    (~4 ms); the controller kept here looks again only after new imports.
    """
    global _controller, _controller_modules
    if n is None:
        return contextlib.nullcontext()
    if _controller is None or _controller_modules != len(sys.modules):
        from threadpoolctl import ThreadpoolController
        _controller = ThreadpoolController()
        _controller_modules = len(sys.modules)
    return _controller.limit(limits=n, user_api="blas")


def small_linalg():
    """Context for the engine's small dense linear algebra (a PCA's covariance and ``eigh``, a
    pseudo-inverse): one BLAS thread, in the window and in scripts alike. Measured at load 3 on 2
    cores: the 784×784 ``eigh`` of an MNIST PCA start took 4.6–5.8 s on two OpenBLAS threads and
    0.2 s on one — LAPACK's many small synchronised steps stall whenever a thread loses its core."""
    return blas_threads(1)
