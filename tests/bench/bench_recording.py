"""What an MP4 recording at 1080p costs the running model (issue 15: ≤ 10 % of its rate): the
engine's steps per second while recording, against the same window not recording, in one run."""
from __future__ import annotations

import tempfile
from pathlib import Path

from bench_gui import measure_fps
from common import row

CASES = [("ising 256×256", "ising", {"L": 256}), ("hopfield 28×28", "hopfield", {"rows": 28, "cols": 28})]


def bench_mp4_recording_cost(quick: bool = False) -> list[dict]:
    seconds = 2.0 if quick else 5.0
    rows = []
    for label, model, params in CASES:
        fps, steps, note, _ = measure_fps(model, params, seconds)
        with tempfile.TemporaryDirectory() as folder:
            started = []

            def record(win):
                started.append(win.start_recording(Path(folder) / "bench.mp4", 30, size="1080p") or win.last_error)
            rec_fps, rec_steps, rec_note, _ = measure_fps(model, params, seconds, during=record)
        base, rate = fps * steps, rec_fps * rec_steps
        what = f"{label}, steps/s recording MP4 1080p 30 fps" + (f" [{note or rec_note}]" if note or rec_note else "")
        if started != [True]:
            what += f" [not recording: {started}]"
        rows.append(row("mp4 recording cost", what, rate, "steps/s", baseline="not recording", baseline_value=base,
                        ratio=rate / base if base else None, target="≥ 0.9× (≤ 10 % cost)"))
        rows.append(row("mp4 recording cost", f"{label}, frames drawn/s while recording", rec_fps, "fps",
                        baseline="not recording", baseline_value=fps, ratio=rec_fps / fps if fps else None))
    return rows


BENCHES = [bench_mp4_recording_cost]
