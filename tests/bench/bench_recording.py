"""What an MP4 recording at 1080p costs the running model (issue 15: ≤ 10 % of its rate): the
engine's steps per second while recording, against the same window not recording. One window plays
throughout; short phases — not recording, recording with frames read from the window's backing store
(grab "auto", what the window does), recording with the widget rendered again for every frame (grab
"widget", what it did before) — alternate for several rounds, each recording finished before the next
phase, and the medians are compared: on a loaded machine the load drifts, and alternating spreads
the drift over all three."""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench_gui import _run_event_loop, measure_fps
from common import row

CASES = [("ising 256×256", "ising", {"L": 256}), ("hopfield 28×28", "hopfield", {"rows": 28, "cols": 28})]
MODES = ((None, "not recording"), ("auto", "frames from the backing store"), ("widget", "widget re-rendered"))


def _alternate(win, folder: Path, seconds: float, rounds: int, rates: dict, grabbed: dict, fps: dict) -> None:
    """Steps/s and frames drawn per second of the playing window in each mode, ``rounds`` times in turn."""
    drawn = []
    win.frame_drawn.connect(lambda _: drawn.append(1))
    for r in range(rounds):
        for grab, _ in MODES:
            if grab is not None:
                ok = win.start_recording(folder / f"bench-{r}-{grab}.mp4", 30, size="1080p", grab=grab)
                grabbed.setdefault(grab, set()).add(win.recorder.grab_source if ok else win.last_error)
            t0, c0, f0 = win.last_snapshot.t, time.perf_counter(), len(drawn)
            _run_event_loop(seconds)
            rates.setdefault(grab, []).append((win.last_snapshot.t - t0) / (time.perf_counter() - c0))
            fps.setdefault(grab, []).append((len(drawn) - f0) / (time.perf_counter() - c0))
            if grab is not None:
                win.recorder.close(60000)   # the file finished before the next phase is measured


def bench_mp4_recording_cost(quick: bool = False) -> list[dict]:
    seconds, rounds = (1.5, 2) if quick else (3.0, 4)
    rows = []
    for label, model, params in CASES:
        rates: dict = {}
        grabbed: dict = {}
        fps: dict = {}
        with tempfile.TemporaryDirectory() as folder:
            _, _, note, _ = measure_fps(model, params, 0.1, during=lambda win: _alternate(
                win, Path(folder), seconds, rounds, rates, grabbed, fps))
        base, base_fps = statistics.median(rates[None]), statistics.median(fps[None])
        for grab, how in MODES[1:]:
            rate = statistics.median(rates[grab])
            what = (f"{label}, steps/s recording MP4 1080p 30 fps, {how} (median of {rounds} alternating "
                    f"{seconds:g} s phases) [grabbed: {sorted(grabbed[grab])}]" + (f" [{note}]" if note else ""))
            rows.append(row("mp4 recording cost", what, rate, "steps/s", baseline="not recording",
                            baseline_value=base, ratio=rate / base if base else None,
                            target="≥ 0.9× (≤ 10 % cost)" if grab == "auto" else "the before"))
        # the measure: the frame rate the engine delivers to the window while recording
        rate = statistics.median(fps["auto"])
        rows.append(row("mp4 recording cost", f"{label}, frames/s drawn recording MP4 1080p 30 fps, frames from the "
                        f"backing store (median of {rounds} phases)", rate, "fps", baseline="not recording",
                        baseline_value=base_fps, ratio=rate / base_fps if base_fps else None,
                        target="≥ 0.9× (≤ 10 % cost)"))
    return rows


def _grab_cpu(win, grabs: int, out: dict) -> None:
    """GUI-thread CPU per frame of each grab, on the playing window."""
    from hebbgui.recorder import Recorder
    for grab in ("auto", "widget"):
        rec = Recorder(win.central, Path(tempfile.gettempdir()) / "unused.mp4", 30, size="1080p", grab=grab)
        rec.capture_size = (win.central.width() // 2 * 2, win.central.height() // 2 * 2)
        rec.grab_source = rec._choose_grab()
        rec.grab_frame()
        spent = 0.0
        for _ in range(grabs):
            t0 = time.thread_time()
            rec.grab_frame()
            spent += time.thread_time() - t0
            _run_event_loop(0.02)   # the views go on drawing in between, as they do while recording
        out[grab] = spent / grabs, rec.grab_source


def _encode_cpu(frames: list, codec) -> float:
    """ffmpeg's CPU seconds per frame (its user + system time) for the frames, 1080p, with ``codec``."""
    import resource

    from hebbgui.recorder import Mp4Writer
    h, w = frames[0].shape[:2]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    original = Mp4Writer._codec
    try:
        if codec is not None:
            Mp4Writer._codec = staticmethod(lambda ffmpeg: codec)
        with tempfile.TemporaryDirectory() as folder:
            writer = Mp4Writer(Path(folder) / "cpu.mp4", 30, (w, h), out_size=(1920, 1080))
            for i, frame in enumerate(frames):
                writer.write(frame, i, i + 1)
            writer.close()
    finally:
        Mp4Writer._codec = original
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ((after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)) / len(frames)


def bench_mp4_cpu_per_frame(quick: bool = False) -> list[dict]:
    """What a recorded frame costs in CPU time — steadier than rates on a loaded machine: the GUI
    thread's grab (backing store against the widget re-rendered) and ffmpeg's encoding of a Hopfield
    window's frames to 1080p (the codec used against the x264 'veryfast' it used before)."""
    import numpy as np
    grabs = 10 if quick else 30
    out: dict = {}
    measure_fps("hopfield", {"rows": 28, "cols": 28}, 0.1, during=lambda win: _grab_cpu(win, grabs, out))
    rows = []
    (auto_cpu, source), (widget_cpu, _) = out["auto"], out["widget"]
    rows.append(row("mp4 cpu per frame", f"hopfield window, GUI-thread CPU of one grab ({source})", 1e3 * auto_cpu,
                    "ms", baseline="widget re-rendered", baseline_value=1e3 * widget_cpu,
                    ratio=widget_cpu / auto_cpu if auto_cpu else None))
    rng = np.random.default_rng(0)
    base = np.full((722, 456, 3), 235, np.uint8)
    frames = []
    for _ in range(30 if quick else 90):   # a 28×28 lattice that changes every frame, the rest still
        f = base.copy()
        cells = np.kron(rng.random((28, 28)) < 0.5, np.ones((12, 12), bool))
        f[60:396, 30:366] = cells[..., None] * np.array([200, 60, 40], np.uint8)
        frames.append(f)
    now = _encode_cpu(frames, None)
    before = _encode_cpu(frames, ("-c:v", "libx264", "-preset", "veryfast", "-crf", "18"))
    rows.append(row("mp4 cpu per frame", "ffmpeg CPU per 1080p frame (456×722 window area, scaled, x264)",
                    1e3 * now, "ms", baseline="x264 veryfast (before)", baseline_value=1e3 * before,
                    ratio=before / now if now else None, target="30 fps: ms × 0.03 = cores"))
    return rows


BENCHES = [bench_mp4_recording_cost, bench_mp4_cpu_per_frame]
