"""``CHLModel``: contrastive Hebbian learning on MNIST, live (seed 000 §5).

One step = one minibatch: the free phase and the clamped (or nudged) phase settle, and the weights
move by the difference of their Hebbian products. The views show that difference being made: the
current minibatch's activities in both phases and their difference (what Hebb's rule sees), the
hidden units' receptive fields, the loss and the test accuracy, the confusion matrix; "Watch a
digit settle" replays the Euler steps of both phases for one test digit, step by step.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.datasets import load_mnist
from engine.model import IMPORTED, History, Model, Snapshot, ViewSpec, param
from engine.models.chl.estimator import CHL
from engine.models.shared import check_digit_set, imported_digit_images
from engine.validation import check_int, state_entry, state_indices, state_int, state_ints

RULES = {  # the rule picker → the estimator's (method, feedback)
    "chl": ("chl", "symmetric"),
    "random-feedback": ("chl", "random"),
    "eqprop": ("eqprop", "symmetric"),
}
# the learning rate "auto" gives: the nudged contrast of EqProp is weaker than a hard clamp's
AUTO_RATE = {"chl": 0.01, "eqprop": 0.1}
IMAGE_SHAPE = (28, 28)
N_PIXELS = 784
CURVE_EVERY = 20     # minibatches averaged into one point of the loss curve


def _block(v: np.ndarray, sizes: tuple[int, ...], width: int) -> np.ndarray:
    """One sample's activities as a picture: each layer row-major in rows of ``width`` cells (the
    hidden layer a near-square, the outputs one row), a blank row between layers."""
    parts, start = [], 0
    for n in sizes:
        rows = -(-n // width)
        cells = np.zeros(rows * width)
        cells[:n] = v[start:start + n]
        parts += [cells.reshape(rows, width), np.zeros((1, width))]
        start += n
    return np.vstack(parts[:-1])


def _grid(blocks: list[np.ndarray], cols: int, gap: int = 1) -> np.ndarray:
    """Blocks of one shape on a grid of ``cols`` columns, ``gap`` blank cells between them."""
    h, w = blocks[0].shape
    rows = -(-len(blocks) // cols)
    out = np.zeros((rows * (h + gap) - gap, cols * (w + gap) - gap))
    for i, b in enumerate(blocks):
        r, c = divmod(i, cols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = b
    return out


@dataclass(frozen=True)
class CHLParams:
    rule: str = param("chl", label="Learning", choices=tuple(RULES), group="rule",
                      help="chl: the target clamped on the output, feedback through Wᵀ (seed §5); random-feedback: "
                           "fixed random feedback matrices (Detorakis et al. 2018); eqprop: the output only nudged "
                           "toward the target with strength β, the update divided by β (Scellier & Bengio 2017)")
    gamma: float = param(0.5, label="Feedback gain γ", min=0.01, max=1.0,
                         help="x_k ← x_k + dt(−x_k + f(x_{k−1}W_{k−1} + γ x_{k+1}W_kᵀ + b)); layer k learns at η γ^(k−L)")
    dt: float = param(0.5, label="Euler step dt", min=0.01, max=1.0, help="forward Euler time step of both phases")
    T: float = param(10.0, label="Settling time T", min=0.5, max=100.0,
                     help="each phase runs len(arange(1, T+1, dt)) Euler steps (the seed: T = 10, dt = 0.5 → 20)")
    beta: float = param(1.0, label="Nudge β (EqProp)", min=0.01, max=10.0,
                        help="EqProp's second phase adds β(y − x_L) to the output's input; ΔW ∝ (1/β)(nudged − free)")
    learning_rate: float = param(0.0, label="Learning rate η", min=0.0, max=1.0, special="auto",
                                 help="η in ΔW_k = η γ^(k−L)(x̂x̂ᵀ − x̌x̌ᵀ); auto: 0.01 for CHL (the seed's), 0.1 for EqProp")
    batch_size: int = param(10, label="Minibatch", min=1, max=1000)
    n_hidden: int = param(128, label="Hidden units", min=1, max=2000, live=False)
    n_layers: int = param(1, label="Hidden layers", min=1, max=3, live=False,
                          help="hidden layers of n_hidden units each (the seed: one of 128)")
    dtype: str = param("float32", label="Precision", choices=("float32", "float64"), live=False,
                       help="float32 learns as float64 does (tested) and runs faster")
    data: str = param("mnist", label="Training data", choices=("mnist", IMPORTED), live=False,
                      help="MNIST's training digits, or yours (File → Import data: 28×28 images with labels 0…9, "
                           "all of them used; the test accuracy stays on MNIST's test digits)")
    n_train: int = param(60000, label="Training images", min=100, max=60000, live=False)
    n_test: int = param(2000, label="Test images", min=100, max=10000, live=False,
                        help="held-out digits of the accuracy curve and the confusion matrix")
    eval_every: int = param(500, label="Evaluate every", min=10, max=60000,
                            help="minibatches between two points of the test-accuracy curve")
    n_shown: int = param(64, label="Fields shown", min=1, max=400)
    settle_rate: float = param(8.0, label="Watch speed", min=1.0, max=60.0,
                               help="Euler steps per second of 'Watch a digit settle' while playing")


class CHLModel(Model):
    """CHL / random feedback / EqProp on MNIST: one step = one minibatch update."""

    name = "chl"
    title = "CHL"
    unit = "minibatch"
    per_epoch = ("epoch_accuracy",)
    Params = CHLParams
    data_param = "data"
    check_training_data = check_digit_set
    data_labels = True

    def __init__(self, params=None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self.reset()

    # ------------------------------------------------------------------ set-up
    def _estimator_params(self, p: CHLParams) -> dict:
        method, feedback = RULES[p.rule]
        rate = p.learning_rate if p.learning_rate > 0 else AUTO_RATE[method]
        return dict(method=method, feedback=feedback, learning_rate=rate, gamma=p.gamma, dt=p.dt, T=p.T,
                    beta=p.beta, batch_size=p.batch_size)

    def reset(self, seed: int | None = None) -> None:
        """Fresh weights (the seed's N(0, 0.01²)), data order, curves; nothing compiled yet."""
        super().reset(seed)
        p = self.params
        if self.uses_imported_data():
            x, y = imported_digit_images(self)
        else:
            x, y = load_mnist("train", p.n_train)
        self.data_u8, self.labels = x.reshape(len(x), N_PIXELS), y.astype(np.int64)
        xt, yt = load_mnist("test", p.n_test)
        self.test_u8, self.test_labels = xt.reshape(len(xt), N_PIXELS), yt.astype(np.int64)
        self.net = CHL(hidden=(p.n_hidden,) * p.n_layers, dtype=p.dtype,
                       random_state=int(self.rng.integers(0, 2 ** 31)), **self._estimator_params(p))
        self.net.initialize(N_PIXELS, np.arange(10))
        self.order = self.rng.permutation(len(self.data_u8))
        self.epoch = 0
        self.batch_pos = 0
        self.loss = History(width=2)           # rows: free loss, mean |clamped − free| of the hidden units
        self.loss_t = History()
        self._sums = np.zeros(3)               # loss and signal summed, minibatches since the last point
        self.accuracy = History()
        self.accuracy_t = History()
        self.epoch_accuracy = History()
        self.confusion = np.zeros((10, 10))
        width = sum(self.net.sizes[1:])
        self.phases = np.zeros((2 * p.batch_size, width))
        self.difference = np.zeros((p.batch_size, width))
        self.watch = None                      # (digit, label, free (n+1, width), second (n+1, width))
        self.watch_frame = 0
        self._watch_clock = 0.0

    def apply_params(self, old: CHLParams, new: CHLParams) -> None:
        """The rule, γ, dt, T, β, η and the minibatch apply live; sizes and data reset."""
        if any(getattr(old, f) != getattr(new, f) for f in ("n_hidden", "n_layers", "dtype", "data", "n_train",
                                                            "n_test")):
            self.reset()
            return
        self.net.update_params(**self._estimator_params(new))

    # ------------------------------------------------------------------ stepping
    def _batch(self, rows: np.ndarray) -> np.ndarray:
        """Training digits (rows of the data) scaled to [0, 1] in the network's dtype."""
        return self.data_u8[rows].astype(self.net.weights_[0].dtype) * self.net.weights_[0].dtype.type(1 / 255)

    def step(self, n: int = 1) -> None:
        """n minibatch updates (a fresh permutation each epoch, the test accuracy every eval_every),
        in as few kernel calls as the epoch end and the evaluations allow."""
        n = check_int("n", n, 1)
        bs = min(self.params.batch_size, len(self.order))
        every = self.params.eval_every
        while n > 0:
            if self.batch_pos + bs > len(self.order):
                self._end_epoch()
            k = min(n, (len(self.order) - self.batch_pos) // bs, every - self.t % every)
            rows = self.order[self.batch_pos:self.batch_pos + k * bs]
            losses, signals = self.net.train_batches(self._batch(rows), self.labels[rows])
            self.batch_pos += k * bs
            self.t += k
            n -= k
            self._record(losses, signals)
            if self.t % every == 0:
                self._evaluate()
        if self.batch_pos + bs > len(self.order):
            self._end_epoch()   # now, not at the next step: the epoch's accuracy is there when it ends
        self._show_phases()
        self._advance_watch(by_clock=True)

    def _record(self, losses: np.ndarray, signals: np.ndarray) -> None:
        """The loss curve: one point per CURVE_EVERY minibatches, their mean loss and signal (self.t is
        already past the minibatches recorded)."""
        first = self.t - len(losses)
        for i, (loss, signal) in enumerate(zip(losses, signals)):
            self._sums += (loss, signal, 1.0)
            if self._sums[2] >= CURVE_EVERY:
                self.loss.append(self._sums[:2] / self._sums[2])
                self.loss_t.append(float(first + i + 1))
                self._sums[:] = 0.0

    def _end_epoch(self) -> None:
        evaluated = self.accuracy_t.array()
        if not evaluated.size or evaluated[-1] != self.t:   # not twice at one t (eval_every may divide the epoch)
            self._evaluate()
        self.epoch_accuracy.append(self.accuracy.array()[-1])
        self.epoch += 1
        self.order = self.rng.permutation(len(self.data_u8))
        self.batch_pos = 0

    def _evaluate(self) -> None:
        pred = self.net.predict(self._test_rows())
        self.accuracy.append(float(np.mean(pred == self.test_labels)))
        self.accuracy_t.append(float(self.t))
        self.confusion = np.zeros((10, 10))
        np.add.at(self.confusion, (self.test_labels, pred), 1.0)

    def _test_rows(self) -> np.ndarray:
        return self.test_u8.astype(np.float64) / 255.0

    def _show_phases(self) -> None:
        """The views of the last minibatch: free rows above second-phase rows, every layer side by side."""
        _, free, second = self.net.last_phases()
        f, s = np.hstack(free), np.hstack(second)
        self.phases = np.vstack([f, s])
        self.difference = s - f

    # ------------------------------------------------------------------ watching one digit settle
    @classmethod
    def actions(cls) -> list[tuple[str, str, str]]:
        return [("watch_settle", "Watch a digit settle",
                 "replay the Euler steps of both phases for the next test digit (plays at 'Watch speed' while "
                 "training runs; 'Euler step' steps it by hand)"),
                ("settle_step", "Euler step", "show the watched digit one Euler step further (works while paused)"),
                ("evaluate", "Evaluate now", "score the test digits now")]

    def watch_settle(self) -> None:
        """Record every Euler step of both phases for the next test digit, and show step 0."""
        i = 0 if self.watch is None else (self.watch[0] + 1) % len(self.test_u8)   # the next digit each time
        free, second = self.net.trajectory(self.test_u8[i] / 255.0, self.test_labels[i])
        self.watch = (i, int(self.test_labels[i]), np.hstack(free), np.hstack(second))
        self.watch_frame = 0
        self._watch_clock = time.monotonic()

    def settle_step(self) -> None:
        """One Euler step further in the watched digit's replay."""
        if self.watch is None:
            self.watch_settle()
        self._advance_watch(by_clock=False)

    def evaluate(self) -> None:
        """Score the test digits now (accuracy curve and confusion matrix)."""
        self._evaluate()

    def _advance_watch(self, by_clock: bool) -> None:
        """While playing, the replay moves at ``settle_rate`` Euler steps per second of wall time,
        whatever the training speed; by hand, one step per call."""
        if self.watch is None:
            return
        last = self.watch[2].shape[0] - 1
        if by_clock:
            now = time.monotonic()
            ahead = int((now - self._watch_clock) * self.params.settle_rate)
            if ahead:
                self.watch_frame = min(last, self.watch_frame + ahead)
                self._watch_clock = now
        else:
            self.watch_frame = min(last, self.watch_frame + 1)

    # ------------------------------------------------------------------ drawing
    def views(self) -> list[ViewSpec]:
        sizes = self.net.sizes
        layers = " | ".join(f"{n}" for n in sizes[1:])
        second = "nudged" if self.params.rule == "eqprop" else "clamped"
        return [
            ViewSpec("fields", "image_grid", "Receptive fields of the first hidden layer (W₀ columns)",
                     colormap="diverging", main=True),
            ViewSpec("phases", "heatmap", f"This minibatch, digit by digit: free (left) | {second} (right); "
                                          f"units {layers}, the outputs in the last row", colormap="viridis"),
            ViewSpec("difference", "heatmap", f"{second.capitalize()} − free, digit by digit: the learning signal "
                                              f"Hebb's rule sees", colormap="diverging"),
            ViewSpec("loss", "curve", "Training: free-phase loss and |clamped − free| of the hidden units",
                     labels=("½‖x̌_L − y‖²", "mean |x̂₁ − x̌₁|"), x_key="loss_t", x_label="minibatch"),
            ViewSpec("accuracy", "curve", "Test accuracy", x_key="accuracy_t", x_label="minibatch",
                     y_label="accuracy"),
            ViewSpec("confusion", "heatmap", "Confusion matrix (row: true digit, column: predicted)",
                     colormap="viridis"),
            ViewSpec("watch_digit", "lattice", "The digit being watched", colormap="gray"),
            ViewSpec("watch_output", "bars", "Its output units at this Euler step", labels=("free", second),
                     extra={"ticks": [str(d) for d in range(10)]}),
            ViewSpec("watch_state", "heatmap", f"Its units at this Euler step: free (left) | {second} (right)",
                     colormap="viridis"),
        ]

    def snapshot(self) -> Snapshot:
        W0 = self.net.weights_[0]
        shown = min(self.params.n_shown, W0.shape[1])
        data: dict[str, Any] = {
            "fields": np.array(W0[:, :shown].T, dtype=np.float64).reshape(shown, *IMAGE_SHAPE),
            "phases": self._pictures(self.phases, pairs=True), "difference": self._pictures(self.difference),
            "free_activity": self.phases[:len(self.difference)].copy(),
            "second_activity": self.phases[len(self.difference):].copy(),
            "loss": self.loss.array(), "loss_t": self.loss_t.array(),
            "accuracy": self.accuracy.array(), "accuracy_t": self.accuracy_t.array(),
            "confusion": self.confusion.copy(), "epoch": float(self.epoch),
            "epoch_accuracy": self.epoch_accuracy.array(),
        }
        if len(self.accuracy):
            data["test_accuracy"] = float(self.accuracy.array()[-1])
        if self.watch is not None:
            i, label, free, second = self.watch
            k = self.watch_frame
            n_out = self.net.sizes[-1]
            data["watch_digit"] = self.test_u8[i].reshape(IMAGE_SHAPE) / 255.0
            data["watch_output"] = np.stack([free[k, -n_out:], second[k, -n_out:]])
            steps = np.hstack([free, second])
            steps[k + 1:] = 0.0   # the steps not reached yet
            data["watch_steps"] = steps
            data["watch_state"] = self._pictures(np.vstack([free[k], second[k]]), pairs=True)
            data["watch_step"] = float(k)
            data["watch_label"] = float(label)
        return Snapshot(t=self.t, data=data, unit=self.unit)

    def _pictures(self, rows: np.ndarray, pairs: bool = False) -> np.ndarray:
        """Activities (one row per digit, or free rows then second-phase rows when ``pairs``) as one
        picture: a block per digit (see ``_block``), free and second phase side by side, two columns."""
        sizes = self.net.sizes[1:]
        width = max(sizes[-1], int(np.ceil(np.sqrt(2 * max(sizes[:-1])))))
        blocks = [_block(v, sizes, width) for v in rows]
        if pairs:
            half = len(blocks) // 2
            blocks = [_grid([f, s], 2) for f, s in zip(blocks[:half], blocks[half:])]
        return _grid(blocks, min(2, len(blocks)), gap=2)

    # ------------------------------------------------------------------ saving
    def extra_state(self) -> dict[str, np.ndarray]:
        st = {f"chl_{k}": v for k, v in self.net.get_state().items()}
        st.update(order=self.order.copy(), counters=np.array([self.epoch, self.batch_pos, self.watch_frame],
                                                             dtype=np.int64),
                  loss=self.loss.array(), loss_t=self.loss_t.array(), sums=self._sums.copy(),
                  accuracy=self.accuracy.array(), accuracy_t=self.accuracy_t.array(),
                  epoch_accuracy=self.epoch_accuracy.array(), confusion=self.confusion.copy(),
                  phases=self.phases.copy(), difference=self.difference.copy())
        if self.watch is not None:
            i, label, free, second = self.watch
            st.update(watch_index=np.array(i, dtype=np.int64), watch_free=free.copy(), watch_second=second.copy())
        return st

    def load_extra_state(self, state) -> None:
        """Every entry checked before anything changes."""
        n = len(self.data_u8)
        width = sum(self.net.sizes[1:])
        epoch, batch_pos, frame = state_ints(state, "counters", 3, 0)
        check_int("state['counters'][1] (batch_pos)", batch_pos, 0, n)
        order = state_indices(state, "order", n, shape=(n,))
        if np.unique(order).shape[0] != n:
            raise ValueError(f"state['order'] must be a permutation of the {n} training images")
        loss = state_entry(state, "loss", shape=(2, None))
        loss_t = state_entry(state, "loss_t", shape=(loss.shape[1],))
        sums = state_entry(state, "sums", shape=(3,), values=(0, None))
        accuracy = state_entry(state, "accuracy", ndim=1, values=(0, 1))
        accuracy_t = state_entry(state, "accuracy_t", shape=accuracy.shape)
        epoch_accuracy = state_entry(state, "epoch_accuracy", ndim=1, values=(0, 1))
        confusion = state_entry(state, "confusion", shape=(10, 10), values=(0, None))
        phases = state_entry(state, "phases", shape=(None, width))
        difference = state_entry(state, "difference", shape=(phases.shape[0] // 2, width))
        watch = None
        if "watch_index" in state:
            i = state_int(state, "watch_index", 0, len(self.test_u8) - 1)
            free = state_entry(state, "watch_free", shape=(None, width))
            second = state_entry(state, "watch_second", shape=free.shape)
            check_int("state['counters'][2] (watch_frame)", frame, 0, free.shape[0] - 1)
            watch = (i, int(self.test_labels[i]), free, second)
        self.net.set_state(state, prefix="chl_")   # checks all its entries before changing any
        self.epoch, self.batch_pos, self.watch_frame, self.order = epoch, batch_pos, frame if watch else 0, order
        self.loss.load(loss)
        self.loss_t.load(loss_t)
        self._sums = sums.copy()
        self.accuracy.load(accuracy)
        self.accuracy_t.load(accuracy_t)
        self.epoch_accuracy.load(epoch_accuracy)
        self.confusion, self.phases, self.difference = confusion, phases, difference
        self.watch = watch
        self._watch_clock = time.monotonic()
