"""The command line: small helpers the GUI shares with it."""


def test_units_are_pluralised_as_written_english():
    from engine.cli import plural
    assert [plural(u) for u in ("sweep", "epoch", "minibatch", "chunk")] == \
        ["sweeps", "epochs", "minibatches", "chunks"]


import pytest  # noqa: E402

from engine.cli import main  # noqa: E402


@pytest.mark.parametrize("argv,msg", [
    (["run", "nothing"], "error: unknown model or experiment 'nothing'"),
    (["run", "hopfield", "rule=storkeyy", "--steps", "1", "--quiet"], "error: rule must be one of"),
    (["run", "hopfield", "--steps", "0"], "error: --steps must be ≥ 1, got 0"),
    (["run", "ising-sweep", "L=1", "--quiet"], "error: L must be an integer in [2,"),
    (["run", "ising-sweep", "colour=red", "--quiet"], "error: ising-sweep has no setting(s) ['colour']"),
    (["bench", "dam"], "error: no benchmark matches 'dam'; the benchmarks: boltzmann, chl, datasets, dense"),
])
def test_cli_failures_are_one_line_and_status_2(capsys, argv, msg):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err


def test_cli_save_into_a_folder_is_an_error_not_a_traceback(capsys, tmp_path):
    folder = tmp_path / "run.npz"
    folder.mkdir()
    assert main(["run", "hopfield", "--steps", "1", "--quiet", "--save", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "is a folder; give a file name" in err and "Traceback" not in err


def test_cli_os_errors_are_reported_plainly(capsys, tmp_path, monkeypatch):
    from engine import io
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "x.npz"))
    monkeypatch.setattr(io, "atomic_write_bytes", denied)
    assert main(["run", "hopfield", "--steps", "1", "--quiet", "--save", str(tmp_path / "x.npz")]) == 2
    assert "error: Permission denied: " in capsys.readouterr().err


# --- progress bars (tqdm): on stderr, off with --quiet or when stderr is not a terminal, on with --progress
@pytest.mark.parametrize("argv", [["run", "hopfield", "--steps", "20"], ["run", "ising-sweep", "L=4", "n_T=3", "n_equilibrate=10", "n_measure=10", "seeds=1"]])
def test_progress_bar_only_where_asked_and_results_unchanged(capsys, monkeypatch, argv):
    import sys
    outputs = {}
    for flags, tty in (([], False), (["--quiet"], True), (["--progress"], False), ([], True)):
        monkeypatch.setattr(sys.stderr, "isatty", lambda: tty, raising=False)
        assert main(argv + ["--seed", "1"] + flags) == 0
        got = capsys.readouterr()
        bar = "100%|" in got.err
        assert bar == (flags == ["--progress"] or (tty and not flags)), (flags, tty, got.err)
        outputs[(tuple(flags), tty)] = [line for line in got.out.splitlines() if " in " not in line and "done" not in line]
    assert len({tuple(v) for v in outputs.values()}) == 1   # same results whatever the bar (timings aside)
    assert "Traceback" not in got.err


def test_quiet_and_progress_exclude_each_other(capsys):
    with pytest.raises(SystemExit):
        main(["run", "hopfield", "--quiet", "--progress"])
    assert "not allowed with" in capsys.readouterr().err


def test_true_and_false_are_booleans_as_a_shell_user_types_them(capsys, tmp_path):
    """`symmetric=false` (the word the error messages use) is the boolean, not the string 'false'."""
    from engine import io
    path = tmp_path / "h.npz"
    assert main(["run", "hopfield", "rule=perceptron", "symmetric=false", "self_connections=TRUE",
                 "--steps", "1", "--quiet", "--save", str(path)]) == 0
    params = io.load(str(path)).params
    assert params.symmetric is False and params.self_connections is True


@pytest.mark.parametrize("argv, keys", [
    (["run", "chl", "n_train=1000", "n_test=200", "--steps", "200"], ["epoch_accuracy"]),
    (["run", "dam", "n_train=1000", "n_test=200", "batch_size=500", "--steps", "4"], ["train_error", "test_error"]),
])
def test_a_headless_training_run_reports_each_epoch_as_it_goes(capsys, argv, keys):
    """`hebbgui run chl|dam` prints one line per finished epoch (issue 11/12: per-epoch accuracy and errors)."""
    assert main(argv + ["--quiet"]) == 0
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.startswith("epoch ") and ":" in ln]
    assert [ln.split(":")[0] for ln in lines] == ["epoch 1", "epoch 2"]
    assert all(k in lines[0] for k in keys)
