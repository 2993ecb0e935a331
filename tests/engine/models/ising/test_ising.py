"""The Ising model: exact small-lattice statistics, Onsager, arguments, the model contract, saved sessions."""
import hashlib
import math
from pathlib import Path

import numpy as np
import pytest

from engine import io
from engine.kernels import lattice as K
from engine.models.ising import (ALGORITHMS, T_CRITICAL, Ising, IsingModel, critical_temperature,
                                 onsager_energy, onsager_magnetization)


def energy_reference(spins, J, h):
    s = spins.astype(np.int64)
    bonds = np.sum(s * (np.roll(s, -1, 0) + np.roll(s, -1, 1)))
    return (-J * bonds - h * s.sum()) / s.size


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


def test_cli_runs_model():
    from engine.cli import main
    assert main(["run", "ising", "L=16", "--steps", "3", "--quiet"]) == 0


SESSIONS = Path(__file__).resolve().parents[3] / "data" / "sessions_0.1.0"


def test_a_session_saved_by_0_1_0_steps_to_the_same_spins_as_then():
    """The kernels' generator moved to engine/kernels/random.py but stayed xoshiro256**, so a saved
    run goes on bit for bit. The digest (spins and energies after 5 more sweeps) was computed with
    hebbgui 0.1.0."""
    m = io.load(SESSIONS / "ising.npz")
    m.step(5)
    snap = m.snapshot().data
    got = hashlib.sha256(np.ascontiguousarray(snap["spins"], np.int8).tobytes()
                         + np.ascontiguousarray(snap["energy"], np.float64).tobytes()).hexdigest()
    assert got == "2a24bc1d12cd2dc1633b514bd68bfaf5c69f40376e3b7926d981e241838084e7"


def test_a_saved_wolff_generator_grows_the_same_clusters_as_then():
    """The same for the Wolff kernel's draws (sites, bonds and, with h ≠ 0, the acceptance uniforms),
    from the lattice and generator words of a Wolff session saved by 0.1.0. Not through step(): that
    session's ordered lattice makes a sweep take seconds. Digest computed with hebbgui 0.1.0."""
    m = io.load(SESSIONS / "ising-algorithm_wolff.npz")
    spins, words = m.lattice.spins, m.lattice.rng_state
    n = spins.size
    beta, h = 1 / 2.4, 0.1  # above T_c: small clusters
    e, mag = np.empty(3), np.empty(3)
    K.wolff_sweeps(spins, 3, 40, K.wolff_add_threshold(beta, 1.0), beta, h, words, np.empty(n, np.int64),
                   np.zeros(n, np.int64), 1.0, e, mag)
    got = hashlib.sha256(spins.tobytes() + words.tobytes()).hexdigest()
    assert got == "de3782b4455ee88f62b74329b9ed792aea0e43e17c7f98340965983e684277cd"


def test_load_state_refuses_bad_entries_and_keeps_the_model():
    m = IsingModel({"L": 8}, seed=0)
    m.step(4)
    good = m.state()
    for key, value, words in [
            ("kernel_rng", np.zeros(4, np.uint64), "kernel_rng.*all zeros"),
            ("kernel_rng", np.ones(3, np.uint64), "kernel_rng"),
            ("sweeps", np.array(-1), "sweeps"),
            ("sweeps", np.array(1.5), "sweeps"),
            ("window_start", np.array(5), r"window_start.*\[0, 4\]"),
            ("wolff_clusters_per_sweep", np.array(65), "wolff_clusters_per_sweep"),
            ("spins", np.full((8, 8), 2, np.int8), "spins"),
            ("pattern", np.ones((7, 8), np.int8), "pattern"),
            ("magnetization_history", np.zeros(3), "magnetization_history"),
            ("energy_history", np.array([0.0, np.nan, 0.0, 0.0]), "energy_history")]:
        bad = dict(good)
        bad[key] = value
        with pytest.raises(ValueError, match=words):
            m.load_state(bad)
        after = m.state()
        assert all(np.array_equal(after[k], good[k]) for k in good), key


def test_set_couplings_checks_everything_before_changing_anything():
    lat = Ising(L=8, T=2.0, J=1.0, algorithm="wolff", seed=0)
    with pytest.raises(ValueError, match="wolff"):
        lat.set_couplings(T=3.0, J=-1.0, h=0.0, algorithm="wolff")
    assert (lat.T, lat.J, lat.algorithm) == (2.0, 1.0, "wolff")
    lat.set_couplings(T=3.0, J=-1.0, h=0.5, algorithm="checkerboard")  # J < 0 and leaving Wolff at once
    assert (lat.T, lat.J, lat.h, lat.algorithm) == (3.0, -1.0, 0.5, "checkerboard")


@pytest.mark.parametrize("T,start", [(2.4, "hot"), (2.4, "cold"), (3.0, "hot"), (3.0, "cold"), (1.5, "hot")])
def test_a_wolff_sweep_visits_about_l_squared_sites(T, start):
    """Issue 14 item 11: the clusters per sweep were measured once on the starting lattice and kept,
    so a sweep visited 0.35 L² (T=2.4) or 0.10 L² (T=3.0) sites — or hundreds of L² after a hot start
    ordered below T_c. The count now follows the clusters grown, so a sweep means about L² sites."""
    L = 64
    lat = Ising(L=L, T=T, algorithm="wolff", start=start, seed=1)
    lat.step(30)                     # let the lattice and the count settle
    per_sweep = []
    for _ in range(20):
        lat.step(5)
        per_sweep.append(lat.wolff_sites_per_sweep)
    assert 0.6 * L * L < np.mean(per_sweep) < 1.7 * L * L, np.mean(per_sweep) / L ** 2


def test_the_gui_starts_at_a_speed_where_the_relaxation_can_be_watched():
    # At the "max" speed the default relaxation (hot 256² lattice, T = 2) was over in 1–2 s.
    rate = IsingModel.default_rate
    assert rate is not None and math.isfinite(rate) and 5.0 <= rate <= 50.0
    assert IsingModel.max_rate is None or IsingModel.max_rate >= rate
    m = IsingModel(seed=0)
    assert m.params.start == "hot"
    e_inf = float(onsager_energy(m.params.T, m.params.J))
    m.step(int(rate))                     # the first second at default_rate
    first_second = m.snapshot().data["energy"][-1]
    assert first_second - e_inf > 0.1     # still far from equilibrium: the relaxation is on screen
    m.step(int(9 * rate))                 # ten seconds in
    assert first_second - m.snapshot().data["energy"][-1] > 0.05  # and still visibly moving then
