"""engine.validation: the one home of argument and state checks. Every message names the argument,
what it got and what it accepts."""
from __future__ import annotations

import numpy as np
import pytest

from engine import validation as v


@pytest.mark.parametrize("call,msg", [
    (lambda: v.check_int("n", 2.0), r"n must be an integer, got 2.0"),
    (lambda: v.check_int("n", True, 0), r"n must be an integer ≥ 0, got True"),
    (lambda: v.check_int("n", 0, 1, 5), r"n must be an integer in \[1, 5\], got 0"),
    (lambda: v.check_int("n", 9, None, 5), r"n must be an integer ≤ 5, got 9"),
    (lambda: v.check_float("lr", np.nan, 0), r"lr must be a finite number ≥ 0, got nan"),
    (lambda: v.check_float("lr", 0.0, 0, lo_open=True), r"lr must be a finite number > 0, got 0.0"),
    (lambda: v.check_float("lr", "0.1"), r"lr must be a finite number, got '0.1'"),
    (lambda: v.check_float("p", 1.0, 0, 1, hi_open=True), r"p must be a finite number ≥ 0 and < 1, got 1.0"),
    (lambda: v.check_fraction("f", 1.5), r"f must be a finite number ≥ 0.0 and ≤ 1.0, got 1.5"),
    (lambda: v.check_bool("flag", "yes"), r"flag must be true or false, got 'yes'"),
    (lambda: v.check_choice("rule", "hebb", ("hebbian", "storkey")), r"rule must be one of \['hebbian', 'storkey'\], got 'hebb'"),
    (lambda: v.check_choice("rule", np.array([1]), (1, 2)), r"rule must be one of \[1, 2\]"),
    (lambda: v.check_text("name", 3), r"name must be text, got 3"),
    (lambda: v.check_seed(-1), r"seed must be a non-negative integer or None"),
    (lambda: v.check_seed(2**63), r"seed must be a non-negative integer or None"),
    (lambda: v.check_keys("settings", {"a", "zz"}, ("a", "b")), r"settings: unknown name\(s\) \['zz'\]; accepts \['a', 'b'\]"),
])
def test_scalar_checks_name_the_argument(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()


def test_scalar_checks_coerce():
    assert v.check_int("n", np.int16(3), 1) == 3 and type(v.check_int("n", np.int16(3))) is int
    assert v.check_float("x", 2) == 2.0 and type(v.check_float("x", np.float32(2))) is float
    assert v.check_bool("b", 1) is True and v.check_bool("b", np.bool_(False)) is False
    assert v.check_choice("c", 2, (1, 2)) == 2
    assert v.check_seed(None) is None and v.check_seed(np.uint32(7)) == 7
    with pytest.raises(ValueError):  # True == 1 in Python, but a flag is not a choice of 1
        v.check_choice("c", True, (1, 2))


def test_check_array_messages():
    assert v.check_array("w", [[1, 2]], shape=(None, 2)).dtype == np.float64
    with pytest.raises(ValueError, match=r"w must have shape \(any, 3\), got \(1, 2\)"):
        v.check_array("w", [[1, 2]], shape=(None, 3))
    with pytest.raises(ValueError, match=r"w must have shape \(3,\), got \(2,\)"):
        v.check_array("w", [1, 2], shape=(3,))
    with pytest.raises(ValueError, match=r"w must be 2-D, got shape \(2,\)"):
        v.check_array("w", [1, 2], ndim=2)
    with pytest.raises(ValueError, match=r"w must be 1-D or 2-D, got shape \(\)"):
        v.check_array("w", 3, ndim=(1, 2))
    with pytest.raises(ValueError, match="w contains NaN"):
        v.check_array("w", [1, np.nan])
    with pytest.raises(ValueError, match="w must be numeric"):
        v.check_array("w", ["a"])
    with pytest.raises(ValueError, match="w must be an array"):
        v.check_array("w", [[1], [1, 2]])
    with pytest.raises(ValueError, match=r"w is empty \(shape \(0,\)\)"):
        v.check_array("w", [], non_empty=True)
    assert np.isnan(v.check_array("w", [np.nan], finite=False)[0])


def test_check_array_values_and_copies():
    with pytest.raises(ValueError, match=r"s must hold only ±1 values, got \[0\]"):
        v.check_array("s", [1, 0, -1], values="bipolar")
    with pytest.raises(ValueError, match=r"s must hold only 0/1 values, got \[-1\]"):
        v.check_array("s", [1, 0, -1], values="binary")
    with pytest.raises(ValueError, match=r"s must hold only ±1 or 0/1 values"):
        v.check_array("s", [1, 0, -1], values="spins")
    v.check_array("s", [1, 0, 1], values="spins")
    with pytest.raises(ValueError, match=r"X must have values in \[0, 1\], got values in \[0.0, 255.0\] \(scale images"):
        v.check_array("X", [0.0, 255.0], values=(0, 1))
    a = np.arange(3.0)
    assert v.check_array("a", a) is a, "no copy unless asked: the kernels' inputs stay cheap"
    b = v.check_array("a", a, copy=True)
    assert not np.shares_memory(a, b)


def test_check_data():
    X = v.check_data("X", [[1, 2], [3, 4]])
    assert X.dtype == np.float64 and X.flags.c_contiguous
    assert v.check_data("X", [1, 2, 3], allow_1d=True).shape == (1, 3)
    with pytest.raises(ValueError, match=r"X must be 2-D, got shape \(3,\)"):
        v.check_data("X", [1, 2, 3])
    with pytest.raises(ValueError, match=r"X must have 3 features \(columns, as fitted\), got 2"):
        v.check_data("X", [[1, 2]], n_features=3)
    with pytest.raises(ValueError, match=r"X must hold at least 1 sample\(s\) and one feature, got shape \(0, 2\)"):
        v.check_data("X", np.zeros((0, 2)))
    with pytest.raises(ValueError, match="weights diverged .*: learning_rate=5 is too large"):
        v.check_bounded_state("weights", np.ones(2), np.array([np.inf]), hint="learning_rate=5 is too large")


def test_memory_check_names_what_does_not_fit():
    total = v.physical_memory_bytes()
    if total is None:
        pytest.skip("this OS does not report its RAM")
    v.check_memory("n=10", 1000)
    with pytest.raises(ValueError, match=r"n_hidden=10000000 needs .* GB; this machine has .* accepts at most 50% "
                                         r"of it; n_hidden ≤ 2000"):
        v.check_memory("n_hidden=10000000", total, hint="n_hidden ≤ 2000")


def test_state_checks():
    state = {"t": np.array(5), "x": np.zeros(3), "lr": np.array(0.5), "words": np.arange(1, 5, dtype=np.uint64)}
    assert v.state_int(state, "t", 0, 10) == 5
    assert v.state_float(state, "lr", 0, 1) == 0.5
    assert v.state_entry(state, "x", shape=(3,)).shape == (3,)
    with pytest.raises(ValueError, match=r"state is missing 'y'"):
        v.state_entry(state, "y")
    with pytest.raises(ValueError, match=r"state\['t'\] must be an integer in \[0, 4\], got 5"):
        v.state_int(state, "t", 0, 4)
    with pytest.raises(ValueError, match=r"state\['x'\] must be an integer scalar"):
        v.state_int(state, "x")
    words = v.check_kernel_rng_state("state['words']", state["words"])
    assert words.dtype == np.uint64 and not np.shares_memory(words, state["words"])
    with pytest.raises(ValueError, match=r"state\['z'\] is all zeros, which is not a valid generator state"):
        v.check_kernel_rng_state("state['z']", np.zeros(4, np.uint64))
    with pytest.raises(ValueError, match=r"must hold 4 unsigned 64-bit words, got dtype float64"):
        v.check_kernel_rng_state("w", np.ones(4))


def test_pcg64_words_are_checked_before_any_draw():
    from engine.model import rng_from_state_array, rng_state_array
    good = rng_state_array(np.random.default_rng(1))
    assert v.check_pcg64_words("rng", good)[3] % 2 == 1
    # an all-zero state made numpy's bounded draws loop forever holding the GIL (a frozen window)
    with pytest.raises(ValueError, match="not a valid PCG64 state"):
        rng_from_state_array(np.zeros(6, np.uint64))
    bad = good.copy()
    bad[4] = 7
    with pytest.raises(ValueError, match="has_uint32 must be 0 or 1, got 7"):
        rng_from_state_array(bad)


# --- added by eco: cross-platform

def test_physical_memory_comes_from_psutil_on_every_system(monkeypatch):
    """Windows has no os.sysconf: check_memory still knows the RAM (psutil asks each system its own way)."""
    from types import SimpleNamespace

    import psutil

    from engine import validation
    monkeypatch.setattr(psutil, "virtual_memory", lambda: SimpleNamespace(total=8 * 2**30))   # an 8 GiB laptop
    assert validation.physical_memory_bytes() == 8 * 2**30
    with pytest.raises(ValueError, match="this machine has 8.6 GB of RAM"):
        validation.check_memory("n_hidden=10**9", 6 * 2**30)

    def unsupported():
        raise RuntimeError("can't read memory here")
    monkeypatch.setattr(psutil, "virtual_memory", unsupported)   # a system psutil cannot read: no guard
    assert validation.physical_memory_bytes() is None


# --- added by harness: issue 16's rerun

def test_complex_arrays_are_refused_not_cast():
    """A session edited to hold complex weights loaded with the imaginary parts silently dropped."""
    with pytest.raises(ValueError, match=r"state\['weights'\] must hold real numbers, got dtype complex128"):
        v.check_array("state['weights']", np.ones((2, 2), complex))


def test_a_bad_generator_state_names_its_entry():
    from engine.model import rng_from_state_array
    with pytest.raises(ValueError, match=r"state\['numpy_rng'\] is not a valid PCG64 state"):
        rng_from_state_array(np.zeros(6, np.uint64), "state['numpy_rng']")


def test_estimator_data_of_words_is_refused_naming_X():
    """numpy's "could not convert string to float: 'a'" named no argument."""
    from engine import RBM
    with pytest.raises(ValueError, match=r"^X must be numeric: could not convert string to float"):
        RBM(n_hidden=2).fit(np.full((4, 3), "a"))
