"""`hebbgui run EXPERIMENT … --n-jobs N --scheduler ADDRESS --out results.csv --resume FILE`."""
from __future__ import annotations

import csv

import pytest

from engine.cli import main
from engine.experiments import runner

ARGS = ["run", "phase-diagram", "n_neurons=60", "alphas=[0.05,0.1]", "temperatures=[0.3]", "n_sweeps=3",
        "n_measure=1", "--quiet"]


def test_rows_go_to_a_csv_or_json_file(capsys, tmp_path):
    out = tmp_path / "results.csv"
    assert main(ARGS + ["--seed", "3", "--out", str(out)]) == 0
    assert f"wrote 2 rows to {out}" in capsys.readouterr().out
    rows = list(csv.DictReader(out.open()))
    assert [r["alpha"] for r in rows] == ["0.05", "0.1"] and set(rows[0]) >= {"T", "overlap", "n_patterns"}
    assert main(ARGS + ["--seed", "3", "--out", str(tmp_path / "r.json"), "--resume", str(tmp_path / "p.jsonl")]) == 0
    assert '"experiment": "phase-diagram"' in (tmp_path / "r.json").read_text()


def test_an_unreachable_scheduler_is_one_line_naming_it(capsys, monkeypatch):
    monkeypatch.setattr(runner, "CONNECT_TIMEOUT_S", 1)
    assert main(ARGS + ["--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "error: cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err and "Traceback" not in err
    assert main(ARGS + ["--n-jobs", "0"]) == 2
    assert "n_jobs must be" in capsys.readouterr().err


@pytest.mark.slow
def test_the_phase_diagram_on_a_dask_cluster_writes_the_laptops_csv(capsys, tmp_path):
    from dask.distributed import LocalCluster
    assert main(ARGS + ["--seed", "2", "--out", str(tmp_path / "laptop.csv")]) == 0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert main(ARGS + ["--seed", "2", "--scheduler", cluster.scheduler_address,
                            "--out", str(tmp_path / "cluster.csv")]) == 0
    assert (tmp_path / "cluster.csv").read_bytes() == (tmp_path / "laptop.csv").read_bytes()
    assert "temperature T \\ load α = P/N" in capsys.readouterr().out     # the overlap map, as a table
