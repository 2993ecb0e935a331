"""One training step of the RBM (CD-k, PCD-k, parallel tempering): the minibatch machinery behind
``RBM.train_batch`` / ``fit`` / ``partial_fit``, kept apart from the estimator's public API.

The cost is the products. v·W and the gradient [v0; v]ᵀ·[h0; h] run over the nonzeros of the
visible rows (engine.kernels.rbm: compressed rows built by one scan, nnz·n_hidden multiply-adds
instead of rows·n_visible·n_hidden) when at most ``SPARSE_DENSITY`` of them is nonzero, else in
BLAS; h·Wᵀ is dense: the hidden samples are 30–45 % on, where a product over them (with a
transposed copy of W kept in step) measured no faster. Same algorithm, same draws: only the order
of the sums changes. Between two products there is one numba pass (engine.kernels.rbm.sigmoid_sample:
bias, σ, the Bernoulli draw, the error, the gradient's scale), every array is a buffer allocated
once per minibatch size, and the weights' gradient over the nonzeros is never stored: each row's
block goes from the product into the momentum step (``sparse_rows_dot_update``). Per Gibbs step
CD-k and PCD-k do the same work:

  CD-k   v0·W → h0 (sample);  k × [h·Wᵀ → v (sample);  v·W → h];            [v0; v]ᵀ·[h0; h]
  PCD-k  (k−1) × [h·Wᵀ → v;  v·W → h] on the chains;  h·Wᵀ → v;  [v0; v]·W;  [v0; v]ᵀ·[h0; h]

PCD stacks its positive and negative hidden products in one (2n × n_visible)·W product. The
gradient is one product over the stacked rows: the hidden probabilities come out of the numba pass
already scaled by lr/n (data) and −lr/m (particles), so [v0; v]ᵀ·[h0; h] is lr·(⟨vh⟩_data −
⟨vh⟩_model) with no further pass.

Threads (issue 17). Every parallel part of a step runs on numba's pool, and BLAS is held to one
thread during training (``_training``): the products over the nonzeros and the update split B's
columns between threads, h·Wᵀ splits W's rows into one-thread BLAS products (numba's np.dot), and
so do the dense forms of v·W and vᵀ·h for rows too dense to list (parallel tempering's hot chains,
dense data), so each output element is one thread's, summed in one order — a seed trains the same
weights at any thread count ≥ 2. On one thread (the window's live step, a busy laptop) the dense
products are numpy's matmul straight into the buffers, as before (``_dense``): the same one-thread
OpenBLAS sums, alike to the bit in float32 and within a few ulp in float64. PT's swap energies
use the step's own v·W (they had used a float64 copy of W and five dense float64 products a
minibatch: an epoch cost 7× PCD's, now 4×). The sampling pass stays serial: its draws come in one
stream, in row-major order.
Before, h·Wᵀ ran on BLAS's two threads and the rest on one (the products over the nonzeros on
numba's threads beside BLAS's ran slower: four threads on two cores).

Profile of one epoch (60k MNIST → 500 hidden, minibatch 100, float32; shares, CD-1 / PCD-1):
  * every product dense in BLAS, one thread, load ≈ 6: v·W 31 / 32 %, the gradient 32 / 26 %, h·Wᵀ
    18 / 23 %, the fused pass 6 / 4 %, the update 3 / 4 %, the rest 10 / 10 %;
  * over the nonzeros, one thread, 30k images, load ≈ 2.4: h·Wᵀ 29 / 30 %, v·W 20 / 19 %, the
    gradient 20 / 20 %, the fused pass 10 / 9 %, the update 5 / 5 %, the index lists 5 / 5 %, the
    rest 10 / 11 %; two threads (h·Wᵀ on BLAS's), 0.83 / 0.87 s per 30k images, load 0.3–0.9;
  * now, two threads, 30k images, load ≈ 1.3, 0.69 / 0.72 s: the gradient with the update 25 /
    26 %, h·Wᵀ 22 / 22 %, v·W 19 / 19 %, the fused pass 10 / 9 %, the scan 8 / 8 %, the transpose
    4 / 4 %, the rest 10 / 10 % (minibatch copy, bias gradients, Python). Same window, old against
    new code, interleaved: 0.80–1.25 s against 0.64–0.73 s.
On one core each product runs at a limit: h·Wᵀ at BLAS's peak (≈ 43 G multiply-adds/s), the
products over the nonzeros at ≈ 20 G/s, bound by their loads (eight rows of B and the output row
per eight multiply-adds). Tried and not kept (A/B in one process):
  * h·Wᵀ over the hidden samples' ones (Wᵀ's rows): 0.9–1.2 ms against BLAS's 1.3–1.9 ms at 30–40 %
    on, but keeping Wᵀ in step costs 0.25 ms a minibatch: no gain;
  * the index lists written by sigmoid_sample while it draws, instead of a scan: ±1 %; the scan
    split over threads (count, then fill blocks of rows): 0.061 against 0.073 ms, 1 % of an epoch;
  * the products over the nonzeros split by rows over threads: every thread streams all of W, and
    with the other core busy one region took 0.62 → 8.0 ms;
  * OpenMP's threads sleeping at once after each region (OMP_WAIT_POLICY=PASSIVE alone): each of
    the step's five regions then pays a wake-up, 10–25 % of an epoch here (engine/kernels/__init__.py
    keeps a 0.3 ms spin).

Interrupting (engine/interrupt.py): ``check()`` before every Gibbs step and every temperature's
swap energies, so a stop request ends a step within one Gibbs step (two products). The weights
change only in ``_apply_update``, after every check: an interrupted minibatch leaves them as the last
whole one did (the persistent chains keep the Gibbs steps they took, a valid chain state).

Random draws: the kernels' one generator (``_kernel_state``), in the order of the steps above;
the temperature swaps use the numpy generator ``_rng``. ``reference_train`` in
tests/engine/models/rbm/reference.py is the same algorithm in plain numpy, for the tests.
"""
from __future__ import annotations

import contextlib

import numpy as np

from engine import interrupt
from engine.threads import blas_threads

# Above this fraction of nonzeros a product over the nonzeros (v·W, [v0; v]ᵀ·[h0; h]) is no faster
# than BLAS's dense one (measured crossing ≈ 0.35–0.4 for v·W, ≈ 0.3 for the gradient, float32, one
# thread, 100 × 784 → 500); MNIST rows are ~19 % nonzero, sampled visible states ~13 %.
SPARSE_DENSITY = 0.3


def _kernels():
    """The numba kernels, imported on first use so ``import engine.models.rbm`` loads no numba."""
    from engine.kernels import rbm as k
    return k


class TrainingMixin:
    """The RBM's minibatch step (mixed into engine.models.rbm.estimator.RBM)."""

    _threads = 1   # numba threads of the step's parallel parts (``_training``)
    _weights_pending = None   # the buffers whose weights' gradient ``_apply_update`` computes

    @contextlib.contextmanager
    def _training(self):
        """Context for training steps: the step's parallel parts (products, update) run on up to
        ``n_jobs`` of numba's threads (None: numba's count, the thread policy's), and BLAS is held
        to one thread meanwhile, so h·Wᵀ's blocks (one-thread BLAS products on numba's threads)
        never start BLAS threads beside numba's (2 × 2 threads on 2 cores: 20× slower)."""
        import numba
        _kernels()  # first: it loads scipy's BLAS (numba's np.dot), so the limit below reaches it
        threads = numba.get_num_threads()
        self._threads = threads if self.n_jobs is None else min(self.n_jobs, threads)
        try:
            with blas_threads(1):
                yield
        finally:
            self._threads = 1

    def current_learning_rate(self) -> float:
        """The learning rate at the current epoch under ``lr_schedule`` (ends at 1/10 of the start)."""
        frac = min(self.epoch_ / self.n_epochs, 1.0) if self.is_fitted else 0.0
        if self.lr_schedule == "linear":
            return self.learning_rate * (1.0 - 0.9 * frac)
        if self.lr_schedule == "exponential":
            return self.learning_rate * 0.1 ** frac
        return self.learning_rate

    def _buf(self, n: int) -> dict:
        """Work arrays for a minibatch of n rows and m negative particles (allocated once per n).

        v_stack (n+m, nv): the minibatch, then the negative visible samples; h_stack (n+m, nh): their
        scaled hidden probabilities; pre_v / h_sample: a Gibbs step's visible activations and hidden
        sample; grad_w (nv, nh), grad_b, grad_c: the lr-scaled gradient; coef: the rows' weights in
        grad_b; sq_err: the reconstruction error per visible unit; idx, ptr, vals: the compressed rows
        of v_stack (or of the chains while they advance), idx_t, ptr_t, vals_t: its columns.
        """
        buf = self._buffers.get(n)
        if buf is None:
            dt = np.dtype(self.dtype)
            nv, nh = self.weights_.shape
            m = n if self.method == "cd" else self._n_chains()
            # the index lists hold what the products over the nonzeros use, no more (a full-batch
            # fit of the 60k would otherwise hold four more arrays of the minibatch's size)
            nnz = max(int(SPARSE_DENSITY * (n + m) * nv), 0)
            buf = dict(v_stack=np.empty((n + m, nv), dt), h_stack=np.empty((n + m, nh), dt),
                       h_sample=np.empty((max(n, m), nh), dt), pre_v=np.empty((max(n, m), nv), dt),
                       grad_w=np.empty((nv, nh), dt), grad_b=np.empty(nv, dt), grad_c=np.empty(nh, dt),
                       coef=np.empty(n + m, dt), sq_err=np.zeros(nv), none=np.empty((0, 0), dt), n_neg=m,
                       idx=np.empty(nnz, np.int32), ptr=np.zeros(n + m + 1, np.int64), vals=np.empty(nnz, dt),
                       idx_t=np.empty(nnz, np.int32), ptr_t=np.empty(nv + 1, np.int64), vals_t=np.empty(nnz, dt))
            self._buffers[n] = buf
        return buf

    def _batch_rows(self, n: int) -> np.ndarray:
        """Where a minibatch of n rows goes (``_gradient`` then reads it without a copy)."""
        return self._buf(n)["v_stack"][:n]

    def _gradient(self, v0: np.ndarray, want_error: bool, lr: float = 1.0, weights: bool = True) -> float:
        """Fill the buffers' grad_w (and ``_grad_b``, ``_grad_c``) with lr·(⟨·⟩_data − ⟨·⟩_model) from minibatch v0.

        Returns the minibatch reconstruction error (mean squared, of p(v | h sampled from v0)) or NaN
        when not asked. PCD and PT advance their persistent chains. ``weights`` False: where the
        weights' gradient runs over the nonzeros it is left to ``_apply_update`` (``_weights_pending``),
        which computes it inside the update.
        """
        k = _kernels()
        st = self._kernel_state
        W, b, c = self.weights_, self.visible_bias_, self.hidden_bias_
        n = v0.shape[0]
        buf = self._buf(n)
        vs, hs, m, none = buf["v_stack"], buf["h_stack"], buf["n_neg"], buf["none"]
        h_smp, pre_v, sq_err = buf["h_sample"][:max(n, m)], buf["pre_v"], buf["sq_err"]
        if v0.ctypes.data != vs.ctypes.data:
            vs[:n] = v0
        v0 = vs[:n]
        sq_err[:] = 0.0
        if self.method == "cd":
            self._times_w(v0, 0, hs[:n], buf)
            k.sigmoid_sample(hs[:n], c, 1.0, h_smp[:n], st, lr / n, none, sq_err)
            for step in range(self.k):
                interrupt.check()
                self._dense(h_smp[:n], W, pre_v[:n], "B")
                k.sigmoid_sample(pre_v[:n], b, 1.0, vs[n:], st, 1.0, v0 if want_error and step == 0 else none,
                                 sq_err)
                self._times_w(vs[n:], n, hs[n:], buf)
                last = step == self.k - 1
                k.sigmoid_sample(hs[n:], c, 1.0, none if last else h_smp[:n], st, -lr / m if last else 1.0,
                                 none, sq_err)
        else:
            if self.method == "pcd":  # the last hidden half-step comes out of the stacked product below
                self._advance_chain(0, 1.0, self.k, buf, last_half=False)
            else:
                betas = self.betas()
                for t in range(self.n_temperatures):
                    self._advance_chain(t, betas[t], self.k, buf, last_half=True)
                self.swap_temperatures()
            vs[n:] = self._chain_v[0]
            self._times_w(vs, 0, hs, buf)
            k.sigmoid_sample(hs[:n], c, 1.0, h_smp[:n] if want_error else none, st, lr / n, none, sq_err)
            if self.method == "pcd":  # the chains' hidden sample, and p(h|v) for the negative statistics
                k.sigmoid_sample(hs[n:], c, 1.0, self._chain_h[0], st, -lr / m, none, sq_err)
            else:  # swaps may have moved other particles into β = 1: their p(h|v), no draw
                k.sigmoid_sample(hs[n:], c, 1.0, none, st, -lr / m, none, sq_err)
            if want_error:
                self._dense(h_smp[:n], W, pre_v[:n], "B")
                k.sigmoid_sample(pre_v[:n], b, 1.0, none, st, 1.0, v0, sq_err)
        # [v0; v]ᵀ·[h0; h] over the nonzeros of [v0; v] (ptr[n + m] is past the lists' size if they overflowed)
        self._weights_pending = None
        if buf["ptr"][n + m] <= SPARSE_DENSITY * vs.size:
            k.transpose_rows(buf["idx"], buf["ptr"], buf["vals"], n + m, vs.shape[1], buf["idx_t"], buf["ptr_t"],
                             buf["vals_t"])
            if weights:
                k.sparse_rows_dot(buf["idx_t"], buf["ptr_t"], buf["vals_t"], 0, hs, buf["grad_w"], self._threads)
            else:
                self._weights_pending = buf
        else:
            self._dense(vs, hs, buf["grad_w"], "a")
        coef = buf["coef"]
        coef[:n] = lr / n
        coef[n:] = -lr / m
        np.matmul(coef, vs, out=buf["grad_b"])
        np.sum(hs, axis=0, out=buf["grad_c"])
        self._grad_b, self._grad_c = buf["grad_b"], buf["grad_c"]
        return float(sq_err.sum()) / v0.size if want_error else float("nan")

    def _dense(self, a: np.ndarray, B: np.ndarray, out: np.ndarray, transposed: str) -> None:
        """out ← a·Bᵀ (``transposed`` "B"), aᵀ·B ("a") or a·B (""). On one thread numpy's matmul, straight
        into out (numba's np.dot makes a temporary: 2 against 1 ms for h·Wᵀ, and in the window, beside the
        GUI thread on 2 cores, the live step took 18 against 7 ms); on more, blocks of one-thread BLAS
        products on numba's threads (engine.kernels.rbm). Both are OpenBLAS's one-thread sums (numpy's
        build and scipy's): the same bits in float32 here, within a few ulp in float64
        (tests/engine/models/rbm/test_training.py checks 1 against 2 threads)."""
        k = _kernels()
        if self._threads == 1:
            np.matmul(a.T if transposed == "a" else a, B.T if transposed == "B" else B, out=out)
        elif transposed == "B":
            k.times_transposed(a, B, out, self._threads)
        elif transposed == "a":
            k.transposed_times(a, B, out, self._threads)
        else:
            k.times(a, B, out, self._threads)

    def _times_w(self, v: np.ndarray, row0: int, out: np.ndarray, buf: dict) -> None:
        """out ← v·W, over v's nonzeros (``sparse_rows_dot``) when at most ``SPARSE_DENSITY`` of v is
        nonzero, else in BLAS. v's compressed rows go to rows row0, row0+1, … of the buffers' index
        lists, where the gradient finds them."""
        k = _kernels()
        nnz = k.nonzero_rows(v, row0, buf["idx"], buf["ptr"], buf["vals"])  # −1: too many to list
        if 0 <= nnz <= SPARSE_DENSITY * v.size:
            k.sparse_rows_dot(buf["idx"], buf["ptr"], buf["vals"], row0, self.weights_, out, self._threads)
        else:
            self._dense(v, self.weights_, out, "")

    def _advance_chain(self, t: int, beta: float, n_steps: int, buf: dict, last_half: bool = True) -> None:
        """Block Gibbs h → v → h on the persistent particles at temperature index t: n_steps full
        steps, or (``last_half`` False) n_steps − 1 and the visible half of the last."""
        k = _kernels()
        st = self._kernel_state
        W, b, c = self.weights_, self.visible_bias_, self.hidden_bias_
        m = self._n_chains()
        pre_v, pre_h, none, sq_err = buf["pre_v"][:m], buf["h_sample"][:m], buf["none"], buf["sq_err"]
        chain_h, chain_v = self._chain_h[t], self._chain_v[t]
        for step in range(n_steps):
            interrupt.check()
            self._dense(chain_h, W, pre_v, "B")
            k.sigmoid_sample(pre_v, b, beta, chain_v, st, 1.0, none, sq_err)
            if step < n_steps - 1 or last_half:
                self._times_w(chain_v, 0, pre_h, buf)
                k.sigmoid_sample(pre_h, c, beta, chain_h, st, 1.0, none, sq_err)

    def swap_temperatures(self) -> None:
        """One round of parallel tempering's Metropolis swaps between neighbouring temperatures: the
        even pairs (0↔1, 2↔3, …) or the odd ones, in turn by update count; each particle pair swaps
        with probability min(1, exp((β_t − β_t+1)(E_t − E_t+1)))."""
        self._check_fitted()
        if self.method != "pt":
            raise ValueError(f"swap_temperatures needs method='pt', this RBM has method={self.method!r}")
        betas = self.betas()
        b, c = self.visible_bias_.astype(np.float64), self.hidden_bias_.astype(np.float64)
        # vᵀWh as the training step's own v·W (over the chains' nonzeros, on its threads) and the
        # rest summed in float64, one temperature (a bounded chunk between stop checks) at a time.
        # (A float64 copy of W and five dense float64 products per minibatch had made a PT epoch
        # of 60k MNIST → 500 hidden, 5 temperatures, cost 7× PCD's; a three-operand einsum, minutes.)
        m = self._n_chains()
        buf = self._buf(m)
        vw = buf["h_sample"][:m]
        energy = np.empty((self.n_temperatures, m))
        for t in range(self.n_temperatures):
            interrupt.check()
            v, h = self._chain_v[t], self._chain_h[t]
            self._times_w(v, 0, vw, buf)
            energy[t] = -np.einsum("nj,nj->n", vw, h, dtype=np.float64) - v @ b - h @ c
        for t in range(self.n_updates_ % 2, self.n_temperatures - 1, 2):
            log_accept = (betas[t] - betas[t + 1]) * (energy[t] - energy[t + 1])
            swap = np.log(self._rng.random(log_accept.shape) + 1e-300) < log_accept
            self.swaps_proposed_[t] += swap.size
            self.swaps_accepted_[t] += int(swap.sum())
            if np.any(swap):
                for chain in (self._chain_v, self._chain_h):
                    upper = chain[t, swap].copy()
                    chain[t, swap] = chain[t + 1, swap]
                    chain[t + 1, swap] = upper

    def _apply_update(self, grad_w: np.ndarray) -> None:
        """velocity ← momentum·velocity + grad − lr·decay·weights; parameters += velocity (one pass
        each; grad_w and the buffers' bias gradients already carry the learning rate). A weights'
        gradient left pending by ``_gradient`` is computed here, block by block inside the update."""
        k = _kernels()
        decay = self.current_learning_rate() * self.weight_decay  # L2 on the weights only (Hinton's guide)
        pending, self._weights_pending = self._weights_pending, None
        if pending is not None:
            k.sparse_rows_dot_update(pending["idx_t"], pending["ptr_t"], pending["vals_t"], pending["h_stack"],
                                     self.weights_, self._velocity_w, self.momentum, decay, self._threads)
        else:
            k.momentum_step(self.weights_, self._velocity_w, grad_w, self.momentum, decay, self._threads)
        k.momentum_step(self.visible_bias_, self._velocity_b, self._grad_b, self.momentum, 0.0)
        k.momentum_step(self.hidden_bias_, self._velocity_c, self._grad_c, self.momentum, 0.0)
        self.n_updates_ += 1

    def _step(self, v0: np.ndarray, want_error: bool) -> float:
        """One update from the checked, contiguous minibatch v0; returns its error (NaN if not asked)."""
        error = self._gradient(v0, want_error, self.current_learning_rate(), weights=False)
        self._apply_update(self._buf(v0.shape[0])["grad_w"])
        return error
