"""Ising kernels against plain references, exact small-lattice statistics, Onsager, the model contract."""
import math

import numpy as np
import pytest

from engine import io
from engine.kernels import lattice as K
from engine.model import Cancelled
from engine.models.ising import (ALGORITHMS, T_CRITICAL, Ising, IsingModel, critical_temperature,
                                 onsager_energy, onsager_magnetization)
from engine.experiments import ising_sweep


def random_spins(L, seed=0):
    return np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), (L, L))


def energy_reference(spins, J, h):
    s = spins.astype(np.int64)
    bonds = np.sum(s * (np.roll(s, -1, 0) + np.roll(s, -1, 1)))
    return (-J * bonds - h * s.sum()) / s.size


# --------------------------------------------------------------------------- kernels vs references
def test_xoshiro_and_site_hash_match_references():
    a = K.seed_state(123)
    b = a.copy()
    for _ in range(5):
        assert int(K.xoshiro_next(a)) == K.xoshiro_next_reference(b)
    k = np.arange(100)
    ref = K.site_random_reference(0xDEADBEEF, k)
    assert all(int(K.site_random(np.uint32(0xDEADBEEF), int(i))) == int(ref[i]) for i in k)


@pytest.mark.parametrize("L", [2, 4, 8])
@pytest.mark.parametrize("rule", ["metropolis", "heatbath"])
def test_checkerboard_kernel_matches_numpy_reference(L, rule):
    thr = K.flip_thresholds(1 / 2.2, 1.0, 0.3, rule)
    spins = random_spins(L, 1)
    ref = spins.copy()
    st, st_ref = K.seed_state(9), K.seed_state(9)
    e, m = np.zeros(3), np.zeros(3)
    black = np.empty((L, L // 2), np.int8)
    K.checkerboard_sweeps(spins, 3, thr, st, black, black.copy(), 1.0, 0.3, e, m)
    for _ in range(3):
        K.checkerboard_sweep_reference(ref, thr, st_ref)
    assert np.array_equal(spins, ref)
    assert np.array_equal(st, st_ref)
    assert e[-1] == pytest.approx(energy_reference(ref, 1.0, 0.3))
    assert m[-1] == pytest.approx(ref.mean())


def test_random_site_kernel_matches_python_reference():
    thr = K.flip_thresholds(0.5, 1.0, -0.2, "metropolis")
    spins = random_spins(6, 2)
    ref = spins.copy()
    st, st_ref = K.seed_state(4), K.seed_state(4)
    e, m = np.zeros(2), np.zeros(2)
    K.random_site_sweeps(spins, 2, thr, st, 1.0, -0.2, e, m)
    for _ in range(2):
        K.random_site_sweep_reference(ref, thr, st_ref)
    assert np.array_equal(spins, ref)


def sequential_reference(spins, thr, state):
    L = spins.shape[0]
    for c in range(2):
        for i in range(L):
            key_low = K.xoshiro_next_reference(state) & 0xFFFFFFFF
            for j in range((i + c) & 1, L, 2):
                s = int(spins[i, j])
                nn = int(spins[(i - 1) % L, j] + spins[(i + 1) % L, j]) + int(spins[i, (j - 1) % L]) \
                    + int(spins[i, (j + 1) % L])
                r = int(K.site_random_reference(key_low, np.array([j // 2]))[0])
                if r <= int(thr[(5 if s > 0 else 0) + (nn + 4) // 2]):
                    spins[i, j] = -s


def test_odd_lattice_sequential_kernel_matches_reference():
    thr = K.flip_thresholds(0.4, 1.0, 0.1, "metropolis")
    spins = random_spins(5, 3)
    ref = spins.copy()
    st, st_ref = K.seed_state(2), K.seed_state(2)
    e, m = np.zeros(2), np.zeros(2)
    K.sequential_checkerboard_sweeps(spins, 2, thr, st, 1.0, 0.1, e, m)
    for _ in range(2):
        sequential_reference(ref, thr, st_ref)
    assert np.array_equal(spins, ref)


def wolff_reference(spins, clusters, add_thr, beta, h, state):
    """One Wolff sweep in plain Python with the kernel's random-number order."""
    L = spins.shape[0]
    n = L * L
    flat = spins.reshape(n)
    visited = 0
    for _ in range(clusters):
        x = K.xoshiro_next_reference(state)
        site = ((x >> 32) * n) >> 32
        s0 = int(flat[site])
        cluster = [site]
        members = {site}
        head = 0
        while head < len(cluster):
            c = cluster[head]
            head += 1
            i, j = divmod(c, L)
            for nb in (((i - 1) % L) * L + j, ((i + 1) % L) * L + j, i * L + (j - 1) % L, i * L + (j + 1) % L):
                if flat[nb] == s0 and nb not in members:
                    if (K.xoshiro_next_reference(state) >> 32) < add_thr:
                        members.add(nb)
                        cluster.append(nb)
        visited += len(cluster)
        accept = True
        if h != 0 and 2 * beta * h * s0 * len(cluster) > 0:
            u = (K.xoshiro_next_reference(state) >> 11) * (1.0 / 9007199254740992.0)
            accept = u < math.exp(-2 * beta * h * s0 * len(cluster))
        if accept:
            flat[cluster] = -s0


def test_wolff_kernel_matches_python_reference():
    beta, h = 1 / 2.4, 0.05
    add = K.wolff_add_threshold(beta, 1.0)
    spins = random_spins(6, 5)
    ref = spins.copy()
    st, st_ref = K.seed_state(11), K.seed_state(11)
    q, mark = np.zeros(36, np.int64), np.zeros(36, np.int64)
    e, m = np.zeros(2), np.zeros(2)
    visited = K.wolff_sweeps(spins, 2, 4, add, beta, h, st, q, mark, 1.0, e, m)
    assert visited >= 8
    for _ in range(2):
        wolff_reference(ref, 4, add, beta, h, st_ref)
    assert np.array_equal(spins, ref)


def test_observables_kernel_matches_reference():
    s = random_spins(7, 8)
    e, m = K.lattice_observables(s, 0.7, 0.2)
    assert e == pytest.approx(energy_reference(s, 0.7, 0.2))
    assert m == pytest.approx(s.mean())


def test_flip_thresholds_validate():
    with pytest.raises(ValueError, match="rule"):
        K.flip_thresholds(1.0, 1.0, 0.0, "glauber")
    with pytest.raises(ValueError, match="beta"):
        K.flip_thresholds(float("nan"), 1.0, 0.0, "metropolis")
    with pytest.raises(ValueError, match="J"):
        K.wolff_add_threshold(1.0, -1.0)


# --------------------------------------------------------------------------- detailed balance (3×3)
def exact_3x3(T, J, h):
    codes = np.arange(512)
    states = np.where((codes[:, None] >> np.arange(9)) & 1, 1, -1).astype(np.int8).reshape(512, 3, 3)
    e = np.array([energy_reference(s, J, h) * 9 for s in states])
    w = np.exp(-(e - e.min()) / T)
    return w / w.sum()


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("T", [1.8, 4.0])
def test_state_frequencies_match_boltzmann_weights(algorithm, T):
    J, h = 1.0, 0.3
    lat = Ising(L=3, T=T, J=J, h=h, algorithm=algorithm, start="hot", seed=7)
    lat.step(50)
    n_samples, thin = 15000, 10
    weights = 1 << np.arange(9)
    counts = np.zeros(512)
    for _ in range(n_samples):
        lat.step(thin)
        counts[int(((lat._spins.reshape(-1) > 0) * weights).sum())] += 1
    expected = exact_3x3(T, J, h) * n_samples
    big = expected >= 20
    obs = np.append(counts[big], counts[~big].sum())
    exp_ = np.append(expected[big], expected[~big].sum())
    chi2 = np.sum((obs - exp_) ** 2 / exp_)
    dof = len(obs) - 1
    # Successive samples are correlated (more so for single-site moves at low T): allow a factor.
    assert chi2 / dof < 3.0, f"{algorithm} T={T}: chi2/dof = {chi2 / dof:.2f} over {dof} bins"


# --------------------------------------------------------------------------- Onsager at L = 64
@pytest.mark.parametrize("T", [1.8, 2.0, 2.6, 3.0])
def test_L64_matches_onsager(T):
    lat = Ising(L=64, T=T, algorithm="checkerboard", start="cold", seed=1)
    lat.step(400)
    obs_before = len(lat.energy_history)
    lat.step(1500)
    obs = lat.observables(window=1500)
    assert obs_before == 400
    assert obs["E"] == pytest.approx(float(onsager_energy(T)), abs=0.01)
    if T < T_CRITICAL:
        assert obs["absM"] == pytest.approx(float(onsager_magnetization(T)), abs=0.01)
    else:
        assert obs["absM"] < 0.15


def block_error(x, blocks=10):
    b = np.array_split(np.asarray(x), blocks)
    means = np.array([v.mean() for v in b])
    return means.std(ddof=1) / math.sqrt(blocks)


def test_checkerboard_heatbath_wolff_agree_within_error_bars():
    results = {}
    for alg in ("checkerboard", "heatbath", "wolff"):
        lat = Ising(L=32, T=2.5, algorithm=alg, start="cold", seed=3)
        lat.step(300)
        lat.energy_history.clear()
        lat.magnetization_history.clear()
        lat.step(2000)
        e = lat.energy_history.array()
        am = np.abs(lat.magnetization_history.array())
        results[alg] = (e.mean(), block_error(e), am.mean(), block_error(am))
    ref = results["checkerboard"]
    for alg in ("heatbath", "wolff"):
        r = results[alg]
        assert abs(r[0] - ref[0]) < 4 * math.hypot(r[1], ref[1]) + 2e-3, (alg, r, ref)
        assert abs(r[2] - ref[2]) < 4 * math.hypot(r[3], ref[3]) + 5e-3, (alg, r, ref)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_same_seed_same_trajectory(algorithm):
    a = Ising(L=12, T=2.3, h=0.1, algorithm=algorithm, seed=5)
    b = Ising(L=12, T=2.3, h=0.1, algorithm=algorithm, seed=5)
    c = Ising(L=12, T=2.3, h=0.1, algorithm=algorithm, seed=6)
    for x in (a, b, c):
        x.step(20)
    assert np.array_equal(a.spins, b.spins)
    assert np.array_equal(a.energy_history.array(), b.energy_history.array())
    assert not np.array_equal(a.spins, c.spins)


def test_onsager_functions():
    assert critical_temperature(1.0) == pytest.approx(2.269185, abs=1e-6)
    assert float(onsager_magnetization(T_CRITICAL * 1.01)) == 0.0
    assert float(onsager_magnetization(1.0)) == pytest.approx(0.99927, abs=1e-4)
    assert float(onsager_energy(0.3)) == pytest.approx(-2.0, abs=1e-6)
    assert float(onsager_energy(T_CRITICAL)) == pytest.approx(-math.sqrt(2), abs=1e-3)
    assert float(onsager_energy(1000.0)) == pytest.approx(0.0, abs=1e-2)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, word", [
    (dict(T=0.0), "T"), (dict(T=float("nan")), "T"), (dict(T=-1), "T"), (dict(L=1), "L"),
    (dict(L=2049), "L"), (dict(L=4.0), "L"), (dict(algorithm="gibbs"), "algorithm"),
    (dict(start="warm"), "start"), (dict(h=float("inf")), "h"), (dict(J=-1.0, algorithm="wolff"), "wolff"),
])
def test_bad_arguments_raise_naming_them(kwargs, word):
    with pytest.raises(ValueError, match=word):
        Ising(**kwargs)


def test_bad_patterns_and_steps():
    lat = Ising(L=8, seed=0)
    with pytest.raises(ValueError, match="array"):
        lat.set_spins(np.ones((7, 8)))
    with pytest.raises(ValueError, match="array"):
        lat.set_spins(np.full((8, 8), 2))
    with pytest.raises(ValueError, match="n_sweeps"):
        lat.step(-1)
    with pytest.raises(ValueError, match="window"):
        lat.observables(window=0)
    lat.set_spins(np.eye(8, dtype=np.uint8))  # 0/1 is accepted as −1/+1
    assert lat.magnetization() == pytest.approx((8 - 56) / 64)


# --------------------------------------------------------------------------- the model contract
def test_model_views_snapshot_and_copies():
    m = IsingModel({"L": 32}, seed=0)
    snap = m.snapshot()
    for v in m.views():
        assert v.key in snap.data
    assert snap.data["spins"].dtype == np.int8 and snap.data["spins"].shape == (32, 32)
    m.step(5)
    snap = m.snapshot()
    assert len(snap.data["energy"]) == 5 and snap.t == 5
    snap.data["spins"][:] = 1
    assert not np.all(m.snapshot().data["spins"] == 1) or m.lattice.magnetization() == 1.0
    for key in ("susceptibility", "specific_heat", "binder", "E", "M"):
        assert np.isscalar(snap.data[key])
    assert snap.data["onsager_energy"].shape == (2, 2)


def test_curves_are_drawn_against_sweep_numbers_even_after_the_history_drops_old_records():
    m = IsingModel({"L": 8}, seed=0)
    m.lattice.energy_history.cap = m.lattice.magnetization_history.cap = 10
    m.step(25)                      # the histories dropped their oldest halves twice
    snap = m.snapshot()
    n = len(snap.data["energy"])
    assert n < 25
    np.testing.assert_array_equal(snap.data["sweep"], np.arange(25 - n + 1, 26))
    assert snap.data["energy"][-1] == pytest.approx(m.lattice.energy_per_spin())
    assert all(v.x_key == "sweep" for v in m.views() if v.kind == "curve")
    assert snap.data["onsager_energy"][0, 1] == 25.0


def test_model_live_T_change_keeps_lattice_and_bad_value_keeps_state():
    m = IsingModel({"L": 16}, seed=0)
    m.step(10)
    spins = m.snapshot().data["spins"]
    m.with_params(T=1.5, h=0.2, algorithm="heatbath")
    assert np.array_equal(m.snapshot().data["spins"], spins) and m.lattice.T == 1.5
    with pytest.raises(ValueError, match="T"):
        m.with_params(T=-1.0)
    with pytest.raises(ValueError, match="wolff"):
        m.with_params(J=-1.0, algorithm="wolff")
    assert m.params.T == 1.5 and m.lattice.J == 1.0
    m.step(2)


def test_paint_and_pattern_start():
    m = IsingModel({"L": 8, "start": "cold"}, seed=0)
    m.paint("spins", np.array([0, 9]), -1)
    s = m.snapshot().data["spins"].reshape(-1)
    assert s[0] == -1 and s[9] == -1 and s[1] == 1
    with pytest.raises(ValueError, match="index"):
        m.paint("spins", np.array([64]), 1)
    with pytest.raises(ValueError, match="magnetization"):
        m.paint("magnetization", np.array([0]), 1)
    pattern = np.where(np.arange(64).reshape(8, 8) % 2, 1, -1)
    m.set_spins(pattern)
    m.with_params(start="pattern")  # restarts from the pattern just loaded
    assert np.array_equal(m.snapshot().data["spins"], pattern)


def test_save_load_round_trip_and_same_continuation(tmp_path):
    m = IsingModel({"L": 16, "algorithm": "wolff"}, seed=4)
    m.step(7)
    path = io.save(m, tmp_path / "ising.npz")
    r = io.load(path)
    a, b = m.state(), r.state()
    assert set(a) == set(b) and all(np.array_equal(a[k], b[k]) for k in a)
    m.step(5)
    r.step(5)
    assert np.array_equal(m.snapshot().data["spins"], r.snapshot().data["spins"])
    bad = dict(a)
    bad["spins"] = np.ones((3, 3), np.int8)
    with pytest.raises(ValueError, match="spins"):
        r.load_state(bad)


def test_sweep_experiment_small_cancel_and_validation():
    out = ising_sweep.run(dict(L=8, n_T=3, n_equilibrate=20, n_measure=50, seeds=2, T_min=1.5, T_max=3.0))
    for key in ("T", "E", "C", "M", "absM", "chi", "E_std", "chi_std"):
        assert out[key].shape == (3,)
    assert out["onsager_M"].shape[0] == 2 and out["onsager_E"].shape[0] == 2
    calls = []

    def cancel(fraction, message=""):
        calls.append(fraction)
        return len(calls) < 2
    with pytest.raises(Cancelled):
        ising_sweep.run(dict(L=8, n_T=5, n_equilibrate=5, n_measure=5, seeds=1), cancel)
    with pytest.raises(ValueError, match="T_min"):
        ising_sweep.run(dict(T_min=-1.0))
    with pytest.raises(ValueError, match="algorithm"):
        ising_sweep.run(dict(algorithm="x"))
    with pytest.raises(ValueError, match="bogus"):
        ising_sweep.run(dict(bogus=1))
    assert [e.name for e in IsingModel.experiments()] == ["ising-sweep"]


def test_cli_runs_model_and_experiment(capsys):
    from engine.cli import main
    assert main(["run", "ising", "L=16", "--steps", "3", "--quiet"]) == 0
    assert main(["run", "ising-sweep", "L=8", "n_T=2", "n_equilibrate=5", "n_measure=5", "seeds=1",
                 "--quiet"]) == 0
    assert "onsager_M" in capsys.readouterr().out
