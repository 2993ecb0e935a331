"""``DAMModel``: Dense Associative Memory in the GUI and the CLI (registered as "dam").

Two modes. "train" (one step = one minibatch): seed 004's classifier learning MNIST live — the 100
memories as a 10×10 grid of 28×28 images (the seed's weight plot), train/test error per epoch, the
current ε and T. "recall" (one step = one asynchronous sweep): the auto-associative memory of
eqs. (2)–(4) with an n slider, the pattern editor's patterns and probe, the energy curve, and how
many patterns it holds against Hopfield's 0.14 N, Krotov & Hopfield's bound and N^(n−1).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.datasets import load_mnist
from engine.kernels.dense import bipolar_rows
from engine.model import IMPORTED, History, Model, Snapshot, ViewSpec, param
from engine.models.dense.classifier import DAMClassifier
from engine.models.dense.memory import ENERGIES, DenseAssociativeMemory, krotov_capacity
from engine.models.shared import check_digit_set, imported_digit_images
from engine.validation import check_array, check_int, state_entry, state_ints

MODES = ("train", "recall")
IMAGE = (28, 28)
N_PIXELS = 784
DIGITS = np.arange(10)
PROBE_NOISE = 0.2
TEST_CHUNK = 1000   # test images scored at a time at the end of an epoch (the ±1 buffer's rows at least)
_TRAIN_LIVE = ("power", "loss_power", "learning_rate", "lr_decay", "momentum", "temperature", "temperature_final",
               "ramp_epochs")


@dataclass(frozen=True)
class DAMParams:
    mode: str = param("train", label="Mode", choices=MODES, live=False,
                      help="train: the classifier learns MNIST (seed 004); recall: the auto-associative memory "
                           "of eq. (4) with your patterns")
    # -- train
    n_memories: int = param(100, label="Memories K", min=1, max=400, live=False, help="memories ξ (K, 784 + 10)")
    power: int = param(20, label="Power n", min=2, max=40,
                       help="F_n(x) = (x)₊ⁿ, the rectified polynomial of eq. (3); the seed uses 20")
    loss_power: int = param(30, label="Loss power m", min=1, max=50, help="C = Σ (c − t)^{2m} (eq. 14)")
    learning_rate: float = param(4e-2, label="Learning rate ε₀", min=1e-4, max=1.0, log=True,
                                 help="ε(t) = ε₀ fᵗ per epoch (eq. 12)")
    lr_decay: float = param(0.998, label="Decay f", min=0.9, max=1.0)
    momentum: float = param(0.6, label="Momentum p", min=0.0, max=0.99, help="V ← pV − ∂C/∂ξ (eq. 13)")
    temperature: float = param(540.0, label="Temperature T", min=50.0, max=2000.0,
                               help="β = 1/Tⁿ: c_α = tanh(β Σ_μ energy differences) (eq. 16)")
    temperature_final: float = param(540.0, label="Final temperature", min=50.0, max=2000.0,
                                     help="T ramps linearly to this over the ramp's epochs")
    ramp_epochs: int = param(200, label="Ramp epochs", min=0, max=1000)
    batch_size: int = param(1000, label="Minibatch", min=10, max=5000)
    data: str = param("mnist", label="Training data (train mode)", choices=("mnist", IMPORTED), live=False,
                      help="MNIST's training digits, or yours (File → Import data: 28×28 images with labels 0…9, "
                           "all of them used; the test accuracy stays on MNIST's test digits)")
    n_train: int = param(60000, label="Training images", min=1000, max=60000, live=False)
    n_test: int = param(10000, label="Test images", min=100, max=10000, live=False,
                        help="test images scored at the end of every epoch")
    # -- recall
    recall_power: int = param(3, label="Recall power n", min=2, max=30,
                              help="F(x) = xⁿ of eq. (2); n = 2 is the Hopfield network")
    energy: str = param("polynomial", label="Energy F", choices=ENERGIES,
                        help="polynomial xⁿ, rectified (x)₊ⁿ (eq. 3), or exponential eˣ (Demircigil et al.)")
    rows: int = param(10, label="Rows", min=3, max=40, live=False, help="pattern height (N = rows·cols units)")
    cols: int = param(10, label="Columns", min=3, max=40, live=False)
    n_random: int = param(40, label="Random patterns", min=1, max=2000, live=False,
                          help="random ±1 patterns stored on reset (the pattern editor replaces them)")


class DAMModel(Model):
    """Dense Associative Memory: MNIST training (mode "train") or auto-associative recall (mode "recall")."""

    name = "dam"
    title = "Dense memory"
    unit = "minibatch"
    per_epoch = ("train_error", "test_error")
    Params = DAMParams
    data_param = "data"
    check_training_data = check_digit_set
    data_labels = True
    pattern_editor = True

    def __init__(self, params=None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self.reset()

    @classmethod
    def trains_on_data(cls, values) -> bool:
        return values.get("mode") == "train"   # in recall mode an import is the stored patterns

    @property
    def training(self) -> bool:
        return self.params.mode == "train"

    # -- set-up ------------------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """Fresh memories and data order (train) or fresh random patterns and probe (recall)."""
        super().reset(seed)
        p = self.params
        self.unit = "minibatch" if self.training else "sweep"
        if self.training:
            self.clf = DAMClassifier(p.n_memories, **{k: getattr(p, k) for k in _TRAIN_LIVE}, batch_size=p.batch_size,
                                     random_state=int(self.rng.integers(0, 2 ** 31)))
            self.clf.initialize(N_PIXELS, DIGITS)
            # an imported set is checked (784 values, labels 0…9) and scaled once, here
            self._imported_digits = imported_digit_images(self) if self.uses_imported_data() else None
            self.order = self.rng.permutation(self._n_train())
            self._rows = np.empty((0, N_PIXELS))   # ±1 images of a minibatch or a test chunk (bipolar_rows)
            self.batch_pos = 0
            self.epoch_wrong = 0          # misclassified so far this epoch (the epoch's train error)
            self.batch_error = History()  # per minibatch
            self.probe = np.zeros(N_PIXELS)   # a digit drawn in the pattern editor, classified live
        else:
            self.memory = DenseAssociativeMemory(p.rows * p.cols, p.recall_power, p.energy)
            self.memory.store(np.where(self.rng.random((p.n_random, p.rows * p.cols)) < 0.5, 1, -1))
            self._new_probe()

    def _n_train(self) -> int:
        return self.params.n_train if self._imported_digits is None else len(self._imported_digits[0])

    def _data(self):
        """(train images, labels, test images, labels) as the model uses them: loaded on first use."""
        p = self.params
        x, y = self._imported_digits if self._imported_digits is not None else load_mnist("train", p.n_train)
        xt, yt = load_mnist("test", p.n_test)
        return x.reshape(len(x), N_PIXELS), y, xt.reshape(len(xt), N_PIXELS), yt

    def apply_params(self, old, new) -> None:
        """Training hyper-parameters and the recall's n and F apply live; sizes and the mode reset."""
        if any(getattr(old, f) != getattr(new, f) for f in ("mode", "data", "n_memories", "n_train", "n_test",
                                                            "rows", "cols", "n_random")):
            self.reset()
            return
        if self.training:
            changes = {k: getattr(new, k) for k in _TRAIN_LIVE + ("batch_size",) if getattr(old, k) != getattr(new, k)}
            if changes:
                self.clf.update_params(**changes)
        elif (old.recall_power, old.energy) != (new.recall_power, new.energy):
            self.memory.power = new.recall_power
            self.memory.energy_kind = new.energy
            self._energy.append(np.nan)  # E is another function from here: a gap in the curve
            self._energy.append(self.memory.energy(self.recall_state))

    # -- stepping ------------------------------------------------------------------------------------
    def step(self, n: int = 1) -> None:
        """n minibatch updates (train) or n asynchronous sweeps (recall)."""
        n = check_int("n", n, 1)
        for _ in range(n):
            self._train_step() if self.training else self._sweep()

    def _train_step(self) -> None:
        if self.batch_pos >= len(self.order):
            self._end_epoch()   # one a stop request interrupted (engine/interrupt.py): closed now
        X, y, _, _ = self._data()
        bs = min(self.params.batch_size, len(self.order))
        idx = self.order[self.batch_pos:self.batch_pos + bs]
        # the data were checked when loaded: straight to ±1 rows; classes_ is 0…9, so a digit is its
        # class index. A stop request ends the update before the memories change.
        error = self.clf._train_bipolar(self._bipolar(X, idx), y[idx].astype(np.int64))
        self.batch_error.append(error)
        self.epoch_wrong += int(round(error * len(idx)))
        self.batch_pos += len(idx)
        self.t += 1   # the update is in: counted before the epoch's test (which a stop may interrupt)
        if self.batch_pos >= len(self.order):
            self._end_epoch()

    def _bipolar(self, images: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """images[rows] (uint8) as ±1 float64 rows, in a buffer kept between steps."""
        if self._rows.shape[0] < len(rows):
            self._rows = np.empty((max(len(rows), TEST_CHUNK), N_PIXELS))
        out = self._rows[:len(rows)]
        bipolar_rows(images, rows, out)
        return out

    def _test_error(self) -> float:
        """The classifier's test error on the test digits, scored TEST_CHUNK images at a time."""
        _, _, Xt, yt = self._data()
        wrong = 0
        for start in range(0, len(Xt), TEST_CHUNK):
            rows = np.arange(start, min(start + TEST_CHUNK, len(Xt)))
            wrong += self.clf._count_errors(self._bipolar(Xt, rows), yt[rows].astype(np.int64))
        return wrong / len(Xt)

    def _end_epoch(self) -> None:
        self.clf.end_epoch(self.epoch_wrong / len(self.order), test_error=self._test_error())
        self.order = self.rng.permutation(len(self.order))
        self.batch_pos = 0
        self.epoch_wrong = 0

    def _sweep(self) -> None:
        states = self.recall_state[None, :].copy()
        self.memory.run_batch(states, 1, seed=self.kernel_seed())
        self.recall_state = states[0]
        self._energy.append(self.memory.energy(self.recall_state))
        self.t += 1

    # -- recall: the pattern editor --------------------------------------------------------------------
    @property
    def pattern_shape(self) -> tuple[int, int]:
        """(rows, cols): 28×28 in train mode (the probe is a digit), rows×cols in recall mode."""
        return IMAGE if self.training else (self.params.rows, self.params.cols)

    def _units(self, name: str, x: Any, n: int) -> np.ndarray:
        arr = check_array(name, x, dtype=None, values="spins")
        if arr.size != n or arr.ndim not in (1, 2):
            raise ValueError(f"{name} must have {n} pixels, shape {self.pattern_shape} or ({n},), got {arr.shape}")
        return np.where(arr.reshape(-1) > 0, 1, -1).astype(np.int8)

    def set_patterns(self, patterns: Any) -> None:
        """Store these patterns ((k, rows, cols) or (k, N), ±1 or 0/1) in the recall memory."""
        if self.training:
            raise ValueError("patterns: the train mode learns MNIST; switch Mode to recall to store patterns")
        rows, cols = self.pattern_shape
        arr = check_array("patterns", patterns, dtype=None)
        if arr.ndim == 3 and arr.shape[1:] == (rows, cols):
            arr = arr.reshape(arr.shape[0], rows * cols)
        if arr.ndim != 2 or arr.shape[1] != rows * cols:
            raise ValueError(f"patterns must have shape (k, {rows * cols}) or (k, {rows}, {cols}), got {arr.shape}")
        self.memory.store(arr)
        self._restart_curve()

    def set_probe(self, x: Any) -> None:
        """Make x the state (recall) or the digit classified in the probe bars (train)."""
        rows, cols = self.pattern_shape
        units = self._units("x", x, rows * cols)
        if self.training:
            self.probe = (units > 0).astype(np.float64)
        else:
            self.recall_state = units
            self._restart_curve()

    def paint(self, key: str, index: Any, value: float) -> None:
        """Set units of the recall state: +1 on, −1 or 0 off."""
        if self.training or key != "state":
            raise ValueError(f"key must be 'state' in recall mode (the paintable view), got {key!r}")
        idx = check_array("index", index, dtype=None).reshape(-1)
        if idx.size and (not np.issubdtype(idx.dtype, np.integer) or idx.min() < 0 or idx.max() >= self.recall_state.size):
            raise ValueError(f"index must be flat unit indices in [0, {self.recall_state.size - 1}]")
        if value not in (1, -1, 0):
            raise ValueError(f"value must be +1 (on) or −1 / 0 (off), got {value!r}")
        self.recall_state[idx.astype(np.int64)] = 1 if value == 1 else -1
        self._energy.append(np.nan)
        self._energy.append(self.memory.energy(self.recall_state))

    def _new_probe(self) -> None:
        """The first stored pattern with 20 % of its units flipped (seeded)."""
        x = self.memory.patterns[0].copy()
        flip = self.rng.choice(x.size, size=int(round(PROBE_NOISE * x.size)), replace=False)
        x[flip] = -x[flip]
        self.recall_state = x
        self._restart_curve()

    def _restart_curve(self) -> None:
        self._energy = History()
        self._energy.append(self.memory.energy(self.recall_state))

    @classmethod
    def actions(cls) -> list[tuple[str, str, str]]:
        return [("new_probe", "New probe", "recall: the first stored pattern with 20 % of its units flipped"),
                ("recall_probe", "Recall", "recall: sweep until a fixed point (at most 100 sweeps)")]

    def new_probe(self) -> None:
        """Recall mode: a fresh corrupted copy of the first stored pattern."""
        if not self.training and self.memory.n_patterns:
            self._new_probe()

    def recall_probe(self) -> None:
        """Recall mode: sweep to a fixed point (at most 100 sweeps), recording the energy of each."""
        if self.training:
            return
        for _ in range(100):
            before = self.recall_state.copy()
            self._sweep()
            self.t += 1
            if np.array_equal(before, self.recall_state):
                break

    # -- drawing --------------------------------------------------------------------------------------
    def views(self) -> list[ViewSpec]:
        if self.training:
            return [
                ViewSpec("memories", "image_grid", "Memories ξ^μ (visible part, 28×28; red +, blue −)",
                         colormap="diverging", main=True, extra={"columns": 10}),
                ViewSpec("errors", "curve", "Error per epoch", labels=("train", "test"), x_label="epoch",
                         y_label="error"),
                ViewSpec("batch_error", "curve", "Training error per minibatch", x_label="minibatch",
                         y_label="error"),
                ViewSpec("status", "table", "Training now", extra={"columns": ["value"], "row_labels_key": "status_labels",
                                                                    "digits": 5}),
                ViewSpec("probe", "lattice", "Your digit (pattern editor → Make it the probe)", colormap="gray"),
                ViewSpec("probe_output", "bars", "Outputs c_α for your digit (eq. 16)",
                         extra={"ticks": [str(d) for d in DIGITS]}),
                # every update clips the memories to [−1, 1]: a fixed colour range shows how far each weight
                # is from its bound, and the colour bar is not redrawn every frame (1.5 ms of the GUI's ~11)
                ViewSpec("class_part", "heatmap", "Memories' classification part ξ_α (rows: memories, columns: 0–9)",
                         colormap="diverging", extra={"levels": (-1.0, 1.0)}),
            ]
        return [
            ViewSpec("state", "lattice", "State σ (draw here)", colormap="spin", paintable=True, main=True),
            ViewSpec("energy", "curve", "Energy E = −Σ_μ F(ξ^μ·σ)", x_label="sweep", y_label="E"),
            ViewSpec("overlaps", "bars", "Overlap m_μ with each stored pattern"),
            ViewSpec("capacity", "table", "Patterns it can hold (N units)",
                     extra={"columns": ["value"], "row_labels_key": "capacity_labels"}),
            ViewSpec("patterns", "image_grid", "Stored patterns", colormap="spin"),
        ]

    def _capacity_table(self) -> tuple[np.ndarray, list[str]]:
        mem = self.memory
        n, N = mem.power, mem.n_neurons
        stable = int(mem.is_fixed_point(mem.patterns).sum()) if mem.n_patterns else 0
        rows = [("stored K", mem.n_patterns), ("stored patterns that are fixed points", stable),
                ("Hopfield 0.14 N", 0.14 * N),
                (f"Krotov–Hopfield N^(n−1)/(2(2n−3)!! ln N), n={n}", krotov_capacity(max(N, 2), n)),
                (f"N^(n−1) = {N}^{n - 1}", float(N) ** (n - 1))]
        return np.array([[float(v)] for _, v in rows]), [label for label, _ in rows]

    def snapshot(self) -> Snapshot:
        if self.training:
            clf = self.clf
            mem = clf.memories_
            h = clf.history_
            data: dict[str, Any] = {
                "memories": mem[:, :N_PIXELS].reshape(-1, *IMAGE).copy(),
                "class_part": mem[:, N_PIXELS:].copy(),
                "errors": np.array([h["train_error"], h["test_error"]], dtype=np.float64).reshape(2, -1),
                "train_error": np.array(h["train_error"], dtype=np.float64),
                "test_error": np.array(h["test_error"], dtype=np.float64),
                "batch_error": self.batch_error.array(),
                "probe": self.probe.reshape(IMAGE).copy(),
                "probe_output": clf.outputs(self.probe[None, :])[0],
                "patterns": np.zeros((0, *IMAGE), dtype=np.int8),  # none stored: gives the editor its 28×28 grid
                "epoch": float(clf.epoch_ + self.batch_pos / len(self.order)),
                "learning_rate": clf.current_learning_rate(),
                "temperature": clf.current_temperature(),
            }
            last = [h[k][-1] if h[k] else np.nan for k in ("train_error", "test_error")]
            data["status_labels"] = ["epoch", "learning rate ε = ε₀fᵗ", "temperature T", "train error (last epoch)",
                                     "test error (last epoch)"]
            data["status"] = np.array([[data["epoch"]], [data["learning_rate"]], [data["temperature"]], [last[0]],
                                       [last[1]]])
            return Snapshot(self.t, data, self.unit)
        rows, cols = self.pattern_shape
        table, labels = self._capacity_table()
        pats = self.memory.patterns
        data = {"state": self.recall_state.reshape(rows, cols).copy(), "energy": self._energy.array(),
                "overlaps": self.memory.overlaps(self.recall_state) if len(pats) else np.zeros(0),
                "capacity": table, "capacity_labels": labels, "patterns": pats.reshape(-1, rows, cols),
                "power": float(self.memory.power), "stored": float(len(pats))}
        return Snapshot(self.t, data, self.unit)

    # -- saving ----------------------------------------------------------------------------------------
    def extra_state(self) -> dict[str, np.ndarray]:
        if self.training:
            st = {f"dam_{k}": v for k, v in self.clf.get_state().items()}
            st.update(order=self.order.copy(), batch_error=self.batch_error.array(),
                      counters=np.array([self.batch_pos, self.epoch_wrong], dtype=np.int64))
            return st
        return {"patterns": self.memory.patterns, "state": self.recall_state.copy(), "energy": self._energy.array()}

    def load_extra_state(self, state) -> None:
        """Every entry checked before anything changes."""
        if self.training:
            n = self._n_train()
            batch_pos, wrong = state_ints(state, "counters", 2, 0)
            check_int("state['counters'][0] (batch_pos)", batch_pos, 0, n)
            order = state_entry(state, "order", shape=(n,), dtype=np.int64, values=(0, n - 1), copy=True)
            if not np.array_equal(np.sort(order), np.arange(n)):
                raise ValueError(f"state['order'] must be a permutation of the {n} training images")
            batch_error = state_entry(state, "batch_error", ndim=1, values=(0, 1))
            clf = DAMClassifier(**self.clf.get_params())
            clf.set_state(state, prefix="dam_")
            self.clf, self.order, self.batch_pos, self.epoch_wrong = clf, order, batch_pos, wrong
            self.batch_error.load(batch_error)
            return
        n = self.params.rows * self.params.cols
        patterns = state_entry(state, "patterns", shape=(None, n), dtype=np.int8, values="bipolar")
        probe = state_entry(state, "state", shape=(n,), dtype=np.int8, values="bipolar", copy=True)
        energy = state_entry(state, "energy", ndim=1, finite=False)
        if np.isinf(energy).any():
            raise ValueError("state['energy'] contains infinite values")
        self.memory.store(patterns)
        self.recall_state = probe
        self._energy.load(energy)
