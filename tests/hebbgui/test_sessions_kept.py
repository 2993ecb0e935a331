"""Switching models keeps each model's session while the app runs (issue 14 item 9): coming back to a
model finds its parameters, state, stored patterns and drawing as they were left, and says so."""
import numpy as np



def _switch(qtbot, win, name):
    win.open_model(name)
    qtbot.waitUntil(lambda: win.model_cls is not None and win.model_cls.name == name
                    and win.last_snapshot is not None, timeout=10000)


def test_switching_away_and_back_restores_the_model_as_left(qtbot, window):
    win = window
    win.controller.set_params(rate=0.37)
    win.controller.step(5)
    qtbot.waitUntil(lambda: win.last_snapshot.t == 5, timeout=10000)
    spins = win.last_snapshot.data["spins"].copy()

    _switch(qtbot, win, "toy-patterns")
    ed = win.pattern_editor
    qtbot.waitUntil(lambda: ed.shape == (16, 16), timeout=10000)
    drawn = np.where(np.arange(256).reshape(16, 16) % 5 == 0, 1, -1).astype(np.int8)
    ed.set_grid(drawn)
    ed.add_grid()                                        # two stored patterns now
    qtbot.waitUntil(lambda: win.last_snapshot.data["stored"].shape[0] == 2, timeout=10000)
    ed.set_grid(-drawn)                                  # a drawing not stored yet

    _switch(qtbot, win, "toy")
    snap = win.last_snapshot
    assert snap.t == 5 and np.array_equal(snap.data["spins"], spins)
    assert abs(win.params_form.editor_value("rate") - 0.37) < 1e-9
    assert "restored as you left it" in win.statusBar().currentMessage()

    _switch(qtbot, win, "toy-patterns")
    qtbot.waitUntil(lambda: win.pattern_editor.stored.shape[0] == 2, timeout=10000)
    qtbot.waitUntil(lambda: np.array_equal(win.pattern_editor.grid, -drawn), timeout=10000)
    assert "restored as you left it" in win.statusBar().currentMessage()

    _switch(qtbot, win, "toy")
    win.transport.reset.click()                          # Reset still starts afresh
    qtbot.waitUntil(lambda: win.last_snapshot.t == 0, timeout=10000)


def test_only_the_most_recently_left_models_are_kept(qtbot, window, monkeypatch):
    """Kept models are capped: the one left longest ago is let go, said so, and comes back afresh;
    the one left last still comes back as it was left."""
    from engine import registry
    from hebbgui.worker import engine
    monkeypatch.setattr(engine, "MAX_KEPT_MODELS", 1)
    win = window
    with registry.registered("toy-partial", "tests.hebbgui.toy_model:ToyPartialModel", title="Toy partial"):
        win.controller.step(5)
        qtbot.waitUntil(lambda: win.last_snapshot.t == 5, timeout=10000)
        _switch(qtbot, win, "toy-patterns")             # keeps toy
        win.controller.step(3)
        qtbot.waitUntil(lambda: win.last_snapshot.t == 3, timeout=10000)
        _switch(qtbot, win, "toy-partial")              # keeps toy-patterns; toy, left longest ago, goes
        _switch(qtbot, win, "toy-patterns")             # keeps toy-partial
        qtbot.waitUntil(lambda: win.last_snapshot.t == 3, timeout=10000)
        _switch(qtbot, win, "toy")
        assert win.last_snapshot.t == 0                  # afresh
        assert "restored" not in win.statusBar().currentMessage()
