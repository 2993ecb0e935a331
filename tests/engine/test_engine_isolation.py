"""engine/ never imports Qt or the GUI, and ``import engine`` stays light (DESIGN.md: layers)."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

FORBIDDEN = ("PySide6", "pyqtgraph", "hebbgui", "shiboken6")


def _run(code: str) -> dict:
    """Run ``code`` in a fresh interpreter at the repository root; it prints a JSON dict."""
    env = dict(os.environ)
    env.pop("PYQTGRAPH_QT_LIB", None)  # nothing should need it; it must not trigger a Qt import either
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, f"subprocess failed:\n{proc.stderr}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _leaks(modules: list[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in FORBIDDEN)


def test_engine_imports_no_qt_and_no_gui():
    hopfield = importlib.util.find_spec("engine.models.hopfield") is not None
    code = (
        "import sys, json\n"
        "import engine\n"
        "import engine.patterns, engine.datasets, engine.io, engine.model, engine.registry, engine.cli\n"
        + ("from engine import Hopfield\n" if hopfield else "")
        + "print(json.dumps({'modules': sorted(sys.modules)}))\n"
    )
    modules = _run(code)["modules"]
    assert "engine.datasets" in modules and "engine.cli" in modules
    if hopfield:
        assert "engine.models.hopfield" in modules
    assert _leaks(modules) == [], "engine pulled in Qt or the GUI"


def test_every_registered_model_module_imports_without_qt():
    code = (
        "import sys, json\n"
        "from engine import registry\n"
        "for name in registry.names():\n"
        "    registry.get(name)\n"
        "print(json.dumps({'names': registry.names(), 'modules': sorted(sys.modules)}))\n"
    )
    got = _run(code)
    assert _leaks(got["modules"]) == [], f"a model module ({got['names']}) pulled in Qt or the GUI"


def test_import_engine_alone_does_not_import_numba_or_sklearn():
    got = _run("import sys, json\nimport engine\nprint(json.dumps({'modules': sorted(sys.modules)}))\n")
    heavy = sorted(m for m in got["modules"] if m.split(".")[0] in ("numba", "llvmlite", "sklearn", "scipy"))
    assert heavy == [], "import engine must stay instant (start-up speed)"
    assert _leaks(got["modules"]) == []


def test_using_datasets_and_patterns_imports_no_qt():
    code = (
        "import sys, json\n"
        "from engine import datasets, patterns\n"
        "x = datasets.letters('HEBB')\n"
        "patterns.flip_noise(patterns.to_bipolar(x.reshape(4, -1)), 0.1, seed=0)\n"
        "datasets.preset_patterns('digits', (8, 8))\n"
        "print(json.dumps({'modules': sorted(sys.modules)}))\n"
    )
    assert _leaks(_run(code)["modules"]) == []


def test_no_engine_source_mentions_qt_or_the_gui():
    # a static check as well: a lazy import inside a function would escape the runtime checks
    offenders = []
    for path in (REPO / "engine").rglob("*.py"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")):
                root = stripped.split()[1].split(".")[0]
                if root in FORBIDDEN:
                    offenders.append(f"{path.relative_to(REPO)}:{n}: {stripped}")
    assert offenders == []
