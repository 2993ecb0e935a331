"""RBM hot loops: the fused sigmoid + Bernoulli pass over a layer's activations, and the products
over the nonzeros of the visible rows.

h·Wᵀ is dense (``times_transposed``: blocks of one-thread BLAS products on numba's threads); v·W
and the gradient vᵀ·h run over v's nonzeros (``nonzero_rows``, ``transpose_rows``,
``sparse_rows_dot``, ``sparse_rows_dot_update``) when v is sparse enough — MNIST rows and the
sampled visible states are (engine.models.rbm.training chooses per product). The parallel kernels
take ``threads`` (the parts to split into; 1: no parallel region) and split whole output elements,
so their numbers do not depend on it. Everything between two products is
one numba pass, ``sigmoid_sample``, row by row so a row stays in L1: bias add, σ(β·x), the
Bernoulli draw, the reconstruction error and the gradient's scale (measured on the 60k MNIST →
500 hidden epoch: numpy's five-ufunc sigmoid plus a separate sampling pass and error cost ≈ 0.45 s
per epoch; this pass ≈ 0.1 s, see tests/bench/bench_rbm.py).

σ uses ``fast_exp``, a polynomial exp that LLVM vectorizes: numba's ``math.exp`` calls libm one
element at a time (no SVML here), 4× slower than numpy's SIMD exp. It is within 3 ulp of np.exp
in float32 and 2 ulp in float64 (tests/engine/kernels/test_rbm.py).

Draws come from the house generator (engine.kernels.random, xoshiro256**): each 64-bit output
gives two 24-bit codes (bits 40–63, then 16–39), and unit i is on when code_i < p_i·2**24, exact
in float32 since 2**24 is a power of two. Codes are taken in the flattened (row-major) order of
the array (``bernoulli_reference`` replays them). The state (uint64[4])
is advanced in place: a model that saves the four words resumes the exact same stream.
"""
from __future__ import annotations

import numpy as np
# numba's np.dot calls scipy's BLAS, importing it at the first call; loaded here, with the kernels, it
# is among the libraries a limit set before that call reaches (engine.threads.blas_threads)
import scipy.linalg.cython_blas  # noqa: F401
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic, overload

from engine.kernels import JIT
from engine.kernels.random import next_u64_reference, step

CODE_SCALE = 16777216.0  # 2**24: a code c stands for the uniform c / 2**24
_LOG2E = 1.4426950408889634
_LN2_HI = 0.693145751953125  # ln 2 split so n·ln2_hi is exact (Cody–Waite)
_LN2_LO = 1.42860682030941723212e-6
_LN2_HI64 = 6.93147180369123816490e-01
_LN2_LO64 = 1.90821492927058770002e-10
# Cephes' expf polynomial on |r| ≤ ln2/2
_EXPF = (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1)
# Cephes' exp Padé form e^r = 1 + 2r·P(r²) / (Q(r²) − r·P(r²))
_EXP_P = (1.26177193074810590878e-4, 3.02994407707441961300e-2, 9.99999999999999999910e-1)
_EXP_Q = (3.00198505138664455042e-6, 2.52448340349684104192e-3, 2.27265548208155028766e-1,
          2.00000000000000000009e0)


def _bitcast_intrinsic(width):
    """An intrinsic: the float of ``width`` bits whose IEEE bits are the low bits of an integer (free)."""
    int_type, float_type = ((ir.IntType(32), ir.FloatType()) if width == 32 else (ir.IntType(64), ir.DoubleType()))
    result = types.float32 if width == 32 else types.float64

    @intrinsic
    def as_float(typingctx, bits):
        if not isinstance(bits, types.Integer):
            return None

        def codegen(context, builder, signature, args):
            value = args[0]
            if value.type.width > width:
                value = builder.trunc(value, int_type)
            elif value.type.width < width:
                value = builder.sext(value, int_type)
            return builder.bitcast(value, float_type)
        return result(bits), codegen
    return as_float


_as_float32 = _bitcast_intrinsic(32)
_as_float64 = _bitcast_intrinsic(64)


def fast_exp(x):
    """exp(x) for a float32 or float64 scalar inside numba kernels (Python: numpy's exp)."""
    return np.exp(x)


@overload(fast_exp, jit_options={"inline": "always"})
def _fast_exp(x):
    if x == types.float32:
        def exp32(x):
            # clamp: below −87 the result is ≤ 1.6e-38 (σ's argument is then 0 or 1 to float32 anyway)
            x = min(max(x, np.float32(-87.0)), np.float32(88.0))
            n = np.floor(x * np.float32(_LOG2E) + np.float32(0.5))
            r = x - n * np.float32(_LN2_HI) - n * np.float32(_LN2_LO)
            p = np.float32(_EXPF[0])
            p = p * r + np.float32(_EXPF[1])
            p = p * r + np.float32(_EXPF[2])
            p = p * r + np.float32(_EXPF[3])
            p = p * r + np.float32(_EXPF[4])
            p = p * r + np.float32(_EXPF[5])
            p = p * r * r + r + np.float32(1.0)
            return p * _as_float32((np.int64(n) + 127) << 23)
        return exp32
    if x == types.float64:
        def exp64(x):
            x = min(max(x, -708.0), 709.0)
            n = np.floor(x * _LOG2E + 0.5)
            r = x - n * _LN2_HI64 - n * _LN2_LO64
            rr = r * r
            p = r * ((_EXP_P[0] * rr + _EXP_P[1]) * rr + _EXP_P[2])
            q = ((_EXP_Q[0] * rr + _EXP_Q[1]) * rr + _EXP_Q[2]) * rr + _EXP_Q[3]
            e = 1.0 + 2.0 * p / (q - p)
            return e * _as_float64((np.int64(n) + 1023) << 52)
        return exp64


# error_model="numpy": no ZeroDivisionError branch in σ's division, which kept the loop from
# vectorizing (measured 11× slower)
@njit(error_model="numpy", **JIT)
def sigmoid_sample(act, bias, beta, sample, state, scale, target, sq_err):
    """One pass over a layer: act ← σ(β·(act + bias)), the gradient's p(unit on | other layer).

    Where ``sample`` is non-empty (same shape as act) it gets 1[code < σ·2**24], the codes drawn in
    row-major order from ``state`` (advanced in place). Where ``target`` is non-empty (same shape)
    ``sq_err`` (float64, one per column) accumulates (target − σ)². Last, act ← scale·σ: the
    gradient's 1/n or −1/m folded in. Arrays are C-contiguous 2-D; act, bias, sample, target share a
    dtype; ``sample`` and ``target`` do not overlap ``act``.
    """
    n, d = act.shape
    draw = sample.size > 0
    err = target.size > 0
    fp = act.dtype.type
    one = fp(1.0)
    zero = fp(0.0)
    codes = fp(CODE_SCALE)
    neg_beta = fp(-beta)
    sc = fp(scale)
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    spare = np.uint64(0)
    have_spare = False
    for i in range(n):
        row = act[i]
        for j in range(d):  # vectorized (fast_exp is straight-line arithmetic)
            row[j] = one / (one + fast_exp(neg_beta * (row[j] + bias[j])))
        if draw:
            out = sample[i]
            j = 0
            if have_spare and d > 0:
                out[0] = one if fp(spare) < row[0] * codes else zero
                have_spare = False
                j = 1
            while j + 1 < d:
                x, s0, s1, s2, s3 = step(s0, s1, s2, s3)
                out[j] = one if fp(x >> np.uint64(40)) < row[j] * codes else zero
                out[j + 1] = one if fp((x >> np.uint64(16)) & np.uint64(0xFFFFFF)) < row[j + 1] * codes else zero
                j += 2
            if j < d:
                x, s0, s1, s2, s3 = step(s0, s1, s2, s3)
                out[j] = one if fp(x >> np.uint64(40)) < row[j] * codes else zero
                spare = (x >> np.uint64(16)) & np.uint64(0xFFFFFF)
                have_spare = True
        if err:
            t = target[i]
            for j in range(d):
                e = np.float64(t[j] - row[j])
                sq_err[j] += e * e
        if sc != one:
            for j in range(d):
                row[j] *= sc
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


@njit(**JIT)
def _block(part, parts, size):
    """Part ``part`` of [0, size) split into ``parts`` blocks whose starts are multiples of 16 (64-byte
    aligned rows of float32): (start, end), empty past the end."""
    width = ((size + parts - 1) // parts + 15) // 16 * 16
    start = min(part * width, size)
    return start, min(start + width, size)


@njit(**JIT)
def _momentum_block(p, v, g, momentum, decay):
    mom = p.dtype.type(momentum)
    dec = p.dtype.type(decay)
    if momentum == 0.0:  # the old velocity is not read: one stream less over the weights
        for i in range(p.size):
            x = g[i] - dec * p[i]
            v[i] = x
            p[i] += x
    else:
        for i in range(p.size):
            x = mom * v[i] + g[i] - dec * p[i]
            v[i] = x
            p[i] += x


@njit(parallel=True, **JIT)
def momentum_step(param, velocity, grad, momentum, decay, threads=1):
    """velocity ← momentum·velocity + grad − decay·param; param += velocity: one pass, in place over
    C-contiguous arrays of one shape (grad already carries the learning rate, decay = lr·weight decay).
    Blocks of the arrays on up to ``threads`` of numba's threads (elementwise: any split gives the
    same numbers); one thread, or a small array, runs without a parallel region."""
    p = param.reshape(-1)
    v = velocity.reshape(-1)
    g = grad.reshape(-1)
    size = p.size
    parts = min(threads, size // 16384)
    if parts <= 1:
        _momentum_block(p, v, g, momentum, decay)
        return
    for part in prange(parts):
        i0, i1 = _block(part, parts, size)
        _momentum_block(p[i0:i1], v[i0:i1], g[i0:i1], momentum, decay)


# --------------------------------------------------------------------------- products over the nonzeros
# MNIST rows are ~19 % nonzero and the sampled visible states ~13 % (measured over CD-1 / PCD-1 epochs
# of 60k → 500 hidden): v·W and the gradient [v0; v]ᵀ·[h0; h] cost nnz·n_hidden over v's nonzeros
# instead of rows·n_visible·n_hidden. The hidden samples are ~30–45 % on, where a sparse h·Wᵀ
# (which also needs Wᵀ kept in step) measured no faster than BLAS: that product stays dense.
@njit(**JIT)
def nonzero_rows(v, row0, idx, ptr, vals):
    """Compressed rows (CSR) of the C-contiguous 2-D ``v``, written as rows row0, row0+1, … of
    (idx, ptr, vals): row r's nonzeros are vals[ptr[r]:ptr[r+1]] in columns idx[ptr[r]:ptr[r+1]],
    ascending. ptr[row0] must already be set (0 for row0 = 0). Returns the nonzeros of ``v``, or
    −1 when they do not fit in idx: then ptr[row0 + len(v)] is idx.size + 1, so rows appended
    after these stop at once too (the caller sizes idx for the densities it would use).
    (On two threads, counting first and then filling blocks of rows in parallel measured 0.061
    against 0.073 ms for 100 MNIST rows: 1 % of an epoch, not worth a second pass.)"""
    n, d = v.shape
    cap = idx.size
    start = ptr[row0]
    if start > cap:
        ptr[row0 + n] = cap + 1
        return -1
    k = start
    for r in range(n):
        row = v[r]
        if k + d <= cap:  # room for the whole row: write every entry, advance past the nonzeros
            for i in range(d):  # (no branch to mispredict at ~20 % nonzero: 1.4× faster)
                x = row[i]
                idx[k] = i
                vals[k] = x
                k += x != 0
        else:
            for i in range(d):
                x = row[i]
                if x != 0:
                    if k == cap:
                        ptr[row0 + n] = cap + 1
                        return -1
                    idx[k] = i
                    vals[k] = x
                    k += 1
        ptr[row0 + r + 1] = k
    return k - start


@njit(**JIT)
def transpose_rows(idx, ptr, vals, n_rows, n_cols, idx_t, ptr_t, vals_t):
    """The first n_rows compressed rows as n_cols compressed columns (counting sort; within a
    column the rows ascend), so a product with vᵀ can run over v's nonzeros too."""
    for j in range(n_cols + 1):
        ptr_t[j] = 0
    for k in range(ptr[n_rows]):
        ptr_t[idx[k] + 1] += 1
    for j in range(n_cols):
        ptr_t[j + 1] += ptr_t[j]
    for r in range(n_rows):
        for k in range(ptr[r], ptr[r + 1]):
            j = idx[k]
            dest = ptr_t[j]
            idx_t[dest] = r
            vals_t[dest] = vals[k]
            ptr_t[j] = dest + 1
    for j in range(n_cols, 0, -1):  # the fill moved each start to the next one's: shift back
        ptr_t[j] = ptr_t[j - 1]
    ptr_t[0] = 0


@njit(**JIT)
def _row_dot(idx, vals, k, end, B, j0, j1, o):
    """o ← Σ vals[k]·B[idx[k], j0:j1] over k in [k, end): one compressed row times columns j0:j1 of B
    (slices: numba keeps them contiguous and vectorizes their loops, where indices offset by j0
    stopped it, 5× slower)."""
    n = j1 - j0
    for j in range(n):
        o[j] = 0
    while k + 8 <= end:
        x0, x1, x2, x3 = vals[k], vals[k + 1], vals[k + 2], vals[k + 3]
        x4, x5, x6, x7 = vals[k + 4], vals[k + 5], vals[k + 6], vals[k + 7]
        b0, b1, b2, b3 = B[idx[k], j0:j1], B[idx[k + 1], j0:j1], B[idx[k + 2], j0:j1], B[idx[k + 3], j0:j1]
        b4, b5, b6, b7 = B[idx[k + 4], j0:j1], B[idx[k + 5], j0:j1], B[idx[k + 6], j0:j1], B[idx[k + 7], j0:j1]
        for j in range(n):
            o[j] += (((x0 * b0[j] + x1 * b1[j]) + (x2 * b2[j] + x3 * b3[j]))
                     + ((x4 * b4[j] + x5 * b5[j]) + (x6 * b6[j] + x7 * b7[j])))
        k += 8
    while k < end:
        x0 = vals[k]
        b0 = B[idx[k], j0:j1]
        for j in range(n):
            o[j] += x0 * b0[j]
        k += 1


@njit(**JIT)
def _rows_dot_columns(idx, ptr, vals, row0, B, out, j0, j1):
    """Columns j0:j1 of ``sparse_rows_dot``'s out."""
    for r in range(out.shape[0]):
        _row_dot(idx, vals, ptr[row0 + r], ptr[row0 + r + 1], B, j0, j1, out[r, j0:j1])


@njit(**JIT)
def _rows_dot_update_columns(idx, ptr, vals, B, param, velocity, momentum, decay, j0, j1):
    """Columns j0:j1 of ``sparse_rows_dot_update``: each row's gradient block, still in L1, goes
    straight into the momentum step of that block of the parameters."""
    grad = np.empty(j1 - j0, param.dtype)
    for r in range(param.shape[0]):
        _row_dot(idx, vals, ptr[r], ptr[r + 1], B, j0, j1, grad)
        _momentum_block(param[r, j0:j1], velocity[r, j0:j1], grad, momentum, decay)


@njit(parallel=True, **JIT)
def sparse_rows_dot(idx, ptr, vals, row0, B, out, threads=1):
    """out[r] = Σ_k vals[k]·B[idx[k]] over the compressed row row0 + r, for each row of ``out``:
    (a sparse matrix)·B in nnz·B.shape[1] multiply-adds. B's rows are contiguous; eight of them go
    into one pass over the output row (measured: four 2.6× faster than one at a time, eight 8 %
    faster than four).

    Split over numba's threads by B's columns, one block of columns a thread: each thread reads its
    part of B (the weights: half of W each, within one core's L2 on two threads) and writes its part
    of every output row. Each output element is the same sum in the same order whatever the split,
    so the result is bit-identical at any thread count. (Split by rows instead, every thread streamed
    all of W and the epoch was slower than on one thread.) One thread: no parallel region at all."""
    m = B.shape[1]
    parts = min(threads, (m + 63) // 64)
    if parts <= 1:
        _rows_dot_columns(idx, ptr, vals, row0, B, out, 0, m)
        return
    for part in prange(parts):
        j0, j1 = _block(part, parts, m)
        _rows_dot_columns(idx, ptr, vals, row0, B, out, j0, j1)


@njit(parallel=True, **JIT)
def sparse_rows_dot_update(idx, ptr, vals, B, param, velocity, momentum, decay, threads=1):
    """``momentum_step`` of param (rows × B's columns) with the gradient (compressed rows)·B, never
    stored: each row's block goes from the product into the update while it is in L1 (the update
    read the stored 784 × 500 gradient back from memory, 5–17 % of an epoch). Split by B's columns
    as ``sparse_rows_dot``; the numbers are those of that product followed by ``momentum_step``."""
    m = B.shape[1]
    parts = min(threads, (m + 63) // 64)
    if parts <= 1:
        _rows_dot_update_columns(idx, ptr, vals, B, param, velocity, momentum, decay, 0, m)
        return
    for part in prange(parts):
        j0, j1 = _block(part, parts, m)
        _rows_dot_update_columns(idx, ptr, vals, B, param, velocity, momentum, decay, j0, j1)


# ----------------------------------------------------------------- dense products on numba's threads
# Blocks of one-thread BLAS products (numba's np.dot: scipy's BLAS), one block a thread: with BLAS
# itself held to one thread during training (engine.models.rbm.training), every parallel part of an
# RBM step runs on numba's pool and no BLAS thread waits beside it (numba's two threads each calling
# a two-thread BLAS on 2 cores: 20× slower). Each output element is one block's, computed by the
# same call on the same operands' layout whatever the number of blocks.
@njit(parallel=True, **JIT)
def times_transposed(a, B, out, threads=1):
    """out ← a·Bᵀ (C-contiguous 2-D, one dtype), blocks of B's rows (out's columns): h·Wᵀ, each
    thread with its part of W."""
    nb = B.shape[0]
    parts = max(min(threads, nb // 64), 1)
    if parts == 1:
        out[:, :] = np.dot(a, B.T)
        return
    for part in prange(parts):
        i0, i1 = _block(part, parts, nb)
        out[:, i0:i1] = np.dot(a, B[i0:i1].T)


@njit(parallel=True, **JIT)
def times(a, B, out, threads=1):
    """out ← a·B (C-contiguous 2-D, one dtype), blocks of a's rows: v·W where v is too dense for
    ``sparse_rows_dot``."""
    n = a.shape[0]
    parts = max(min(threads, n // 16), 1)
    if parts == 1:
        out[:, :] = np.dot(a, B)
        return
    for part in prange(parts):
        r0 = part * n // parts
        r1 = (part + 1) * n // parts
        out[r0:r1] = np.dot(a[r0:r1], B)


@njit(parallel=True, **JIT)
def transposed_times(a, B, out, threads=1):
    """out ← aᵀ·B (C-contiguous 2-D, one dtype), blocks of B's columns (out's columns), each block of
    B copied contiguous first (a small copy beside the product; blocks of a's columns needed a
    strided transpose of a, 1.9 against 1.7 ms on one thread): the gradient vᵀ·h where v is too
    dense for the products over the nonzeros."""
    n = B.shape[1]
    parts = max(min(threads, n // 64), 1)
    if parts == 1:   # the blocks' own call (np.dot of the F-ordered aᵀ by C-ordered B: 1.7 ms, not 2.1)
        out[:, :] = np.dot(a.T, np.ascontiguousarray(B[:, 0:n]))
        return
    for part in prange(parts):
        j0, j1 = _block(part, parts, n)
        out[:, j0:j1] = np.dot(a.T, np.ascontiguousarray(B[:, j0:j1]))


# --------------------------------------------------------------------------- references (plain Python / numpy)
def uniform_codes_reference(state: np.ndarray, n: int) -> np.ndarray:
    """The n 24-bit codes ``sigmoid_sample`` draws from ``state`` (advanced in place), in plain Python."""
    codes = []
    while len(codes) < n:
        x = next_u64_reference(state)
        codes.append(x >> 40)
        codes.append((x >> 16) & 0xFFFFFF)
    return np.array(codes[:n], dtype=np.int64)


def bernoulli_reference(prob: np.ndarray, state: np.ndarray) -> np.ndarray:
    """1[code < prob·2**24] with the codes ``sigmoid_sample`` draws from ``state`` (advanced in place)."""
    codes = uniform_codes_reference(state, prob.size).reshape(prob.shape)
    return (codes / CODE_SCALE < prob).astype(prob.dtype)


def sigmoid_reference(x: np.ndarray, bias: np.ndarray, beta: float = 1.0) -> np.ndarray:
    """σ(β·(x + bias)) with numpy's exp, in x's dtype."""
    return (1.0 / (1.0 + np.exp(-beta * (x + bias)))).astype(x.dtype)


def momentum_step_reference(param, velocity, grad, momentum, decay) -> None:
    """Plain numpy ``momentum_step``."""
    velocity *= momentum
    velocity += grad - decay * param
    param += velocity


def sigmoid_sample_reference(act, bias, beta, state, scale=1.0, target=None, draw=True):
    """Plain numpy ``sigmoid_sample``: (scale·σ, sample or None, per-column squared error or None)."""
    p = sigmoid_reference(act, bias, beta)
    sample = bernoulli_reference(p, state) if draw else None
    err = None if target is None else ((target - p).astype(np.float64) ** 2).sum(axis=0)
    return (scale * p).astype(act.dtype), sample, err

