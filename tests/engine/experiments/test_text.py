"""`hebbgui run STUDY` prints the views' numbers as tables, with seed 001's own numbers beside ours."""
from __future__ import annotations

import numpy as np

from engine import experiments, registry
from engine.cli import main
from engine.experiments import basins, text


def _line(out: str, start: str, after: int = 0) -> str:
    """The ``after``-th line (0 = first) that starts with ``start``."""
    return [ln for ln in out.splitlines() if ln.startswith(start)][after]


def test_basins_prints_each_table_with_the_seeds_beside_it(capsys):
    assert main(["run", "basins", "max_stored=4", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Hebbian, single shot" in out and "Seed 001: Hebbian, single shot" in out and "[[" not in out
    res = experiments.run("basins", {"max_stored": 4})
    ours, seed = _line(out, "H = 1").split("|")          # single shot, H = 1: ours, then the seed's row
    assert ours.split()[3:] == [text.fmt(v) for v in res.data["table_hebbian_single"][1]]
    assert seed.split()[3:] == [text.fmt(v) for v in basins.SEED_TABLES["hebbian_single"][1]]   # 100 … 45.5 33
    assert _line(out, "H \\ stored vectors", 2).split("|")[1].split()[4:] == [str(m) for m in range(1, 8)]
    assert out.count("Seed 001") == 3                     # each seed table once, beside its measured one


def test_curves_are_columns_with_the_theory_beside_or_as_marks():
    ising = registry.experiment("ising-sweep")
    res = experiments.run(ising, {"L": 8, "n_T": 3, "n_equilibrate": 5, "n_measure": 10, "seeds": 1})
    printed = text.format_result(ising, res.data)
    head = printed.splitlines()[1].split()
    assert head == ["T", "measured", "Onsager"]
    row = printed.splitlines()[2].split()
    assert row == [text.fmt(res.data["T"][0]), text.fmt(res.data["absM"][0]),
                   text.fmt(np.interp(res.data["T"][0], *res.data["onsager_M"]))]
    capacity = registry.experiment("capacity")
    data = experiments.run(capacity, {"n_neurons": 40, "n_loads": 2, "n_seeds": 1, "rules": ["hebbian"]}).data
    assert "theory marks at load P/N = 0.1355, 0.138" in text.format_result(capacity, data)


def test_unfinished_cells_are_dashes_and_images_are_left_to_the_window():
    spurious = registry.experiment("spurious")
    s = spurious.check({"stored": [2, 3]})
    printed = text.format_result(spurious, spurious.finish(s, {}))
    assert _line(printed, "2").split() == ["2", "—", "2"]          # nothing measured yet; the seed's 2
    bmap = registry.experiment("basin-map")
    data = experiments.run(bmap, {"n_neurons": 10, "n_stored": [2]}).data
    assert "an image, shown in the window" in text.format_result(bmap, data)
