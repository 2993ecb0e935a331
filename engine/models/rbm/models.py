"""What the GUI and the CLI run: the RBM on MNIST, the seeds' 3×2 RBM with its exact table, the DBN.

Each drives its scientific class (``RBM``, ``DBN``) through its public API.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from engine import interrupt
from engine.datasets import load_mnist
from engine.model import IMPORTED, History, Model, Snapshot, ViewSpec, param
from engine.models.rbm.dbn import DBN
from engine.models.rbm.estimator import LR_SCHEDULES, METHODS, RBM, blas_threads
from engine.models.rbm.exact import SEED_3X2_HIDDEN_BIAS, SEED_3X2_VISIBLE_BIAS, SEED_3X2_WEIGHTS, state_codes
from engine.models.shared import check_digit_set, imported_digit_images, rows_in_blocks
from engine.validation import check_int, state_entry, state_ints

# The live step runs on one thread, numba's and BLAS's: it leaves a core to the GUI thread. (With
# HEBBGUI_THREADS=2 on 2 cores, its products split over numba's two threads beside the GUI thread,
# the RBM view ran at 17 frames/s; on one thread, 57.)
BLAS_THREADS = LIVE_THREADS = 1
IMAGE_SHAPE = (28, 28)
N_PIXELS = 784


def _mnist_images(split: str, n: int | None = None) -> np.ndarray:
    """MNIST images of a split as (n, 784) uint8 rows (read-only, shared by every model)."""
    x, _ = load_mnist(split, n)
    return x.reshape(len(x), N_PIXELS)


def _training_images(model: Model, n: int) -> np.ndarray:
    """The training images as (n, 784) uint8 rows: MNIST's first n, or the model's imported set
    (``data = imported``: every example, see models.shared.imported_digit_images)."""
    return imported_digit_images(model)[0] if model.uses_imported_data() else _mnist_images("train", n)


def _as_tiles(columns: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(n_features, n) columns → (n, h, w) float64 tiles, always a fresh copy."""
    return np.array(columns.T, dtype=np.float64, order="C").reshape(columns.shape[1], *shape)


def _scaled(images_u8: np.ndarray, binarize: bool) -> np.ndarray:
    """uint8 images → float32 in [0, 1], or 0/1 at the seed's threshold 0.2 when ``binarize``."""
    def convert(block: np.ndarray) -> np.ndarray:
        x = block.astype(np.float32) * np.float32(1 / 255)
        return (x > 0.2).astype(np.float32) if binarize else x
    return rows_in_blocks(images_u8, convert, np.float32)   # stop checks between blocks (60 000 digits)


def _order(state, key: str, shape: tuple, n: int) -> np.ndarray:
    """A saved array of indices into n training images."""
    arr = state_entry(state, key, shape=shape, dtype=None)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"state[{key!r}] must hold integer indices, got dtype {arr.dtype}")
    return state_entry(state, key, shape=shape, dtype=np.int64, values=(0, n - 1), copy=True)


def _needs_reset(old, new) -> bool:
    """True when a parameter marked live=False changed."""
    return any(getattr(old, f.name) != getattr(new, f.name) for f in fields(new) if not f.metadata.get("live", True))


def _probabilities(state, key: str, shape: tuple) -> np.ndarray:
    return state_entry(state, key, shape=shape, values=(0, 1), copy=True)


# --------------------------------------------------------------------------- the RBM on MNIST
@dataclass(frozen=True)
class RBMParams:
    method: str = param("cd", label="Training", choices=METHODS, group="rule",
                        help="cd: contrastive divergence CD-k; pcd: persistent CD; pt: parallel tempering")
    n_hidden: int = param(500, label="Hidden units", min=1, max=2000, live=False)
    k: int = param(1, label="Gibbs steps k", min=1, max=50, help="Gibbs steps per update (CD-k, PCD-k)")
    learning_rate: float = param(0.05, label="Learning rate", min=1e-4, max=1.0, log=True)
    momentum: float = param(0.5, label="Momentum", min=0.0, max=0.99)
    weight_decay: float = param(0.0, label="Weight decay", min=0.0, max=0.01, help="L2 penalty on the weights")
    batch_size: int = param(100, label="Minibatch", min=1, max=1000)
    lr_schedule: str = param("constant", label="LR schedule", choices=LR_SCHEDULES,
                             help="learning rate over n_epochs: constant, or down to 1/10 linearly/exponentially")
    n_epochs: int = param(10, label="Epochs (schedule)", min=1, max=1000,
                          help="epochs over which the learning-rate schedule runs")
    n_temperatures: int = param(5, label="Temperatures (PT)", min=2, max=20, live=False)
    binarize: bool = param(False, label="Binarize digits", live=False,
                           help="pixels > 0.2 become 1, others 0 (as in seed 000 11.RBM.py)")
    data: str = param("mnist", label="Training data", choices=("mnist", IMPORTED), live=False,
                      help="MNIST's training digits, or yours (File → Import data: 28×28 images, all of them "
                           "used; the held-out numbers stay on MNIST's test digits)")
    n_train: int = param(60000, label="Training images", min=100, max=60000, live=False)
    n_shown: int = param(100, label="Fields shown", min=1, max=400)
    n_fantasy: int = param(20, label="Fantasy particles", min=1, max=100, live=False)
    fantasy_steps: int = param(1, label="Gibbs steps per frame", min=0, max=100,
                               help="Gibbs steps the fantasy chains take per training step")
    occluded_rows: int = param(10, label="Occluded rows", min=1, max=27,
                               help="bottom rows hidden by occlude_and_reconstruct (the seed uses 10)")
    eval_every: int = param(50, label="Evaluate every", min=1, max=10000,
                            help="minibatches between pseudo-log-likelihood / free-energy evaluations")


class RBMModel(Model):
    """RBM on MNIST: one step = one minibatch update."""

    name = "rbm"
    title = "RBM"
    unit = "minibatch"
    Params = RBMParams
    data_param = "data"
    check_training_data = check_digit_set
    N_RECON = 10
    N_EVAL = 256
    LIVE = ("method", "k", "learning_rate", "momentum", "weight_decay", "batch_size", "lr_schedule", "n_epochs")

    def __init__(self, params=None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        """Fresh weights, data order, fantasy chains and curves (same seed → same run)."""
        super().reset(seed)
        p = self.params
        self.recon_error = History()
        self.pseudo_ll = History()
        self.free_energy_gap = History(width=2)
        self.epoch = 0
        self.batch_pos = 0
        self.occluded = False
        self.data_u8 = _training_images(self, p.n_train)
        test = _mnist_images("test")
        self.rbm = RBM(p.n_hidden, method=p.method, k=p.k, learning_rate=p.learning_rate, batch_size=p.batch_size,
                       n_epochs=p.n_epochs, momentum=p.momentum, weight_decay=p.weight_decay,
                       lr_schedule=p.lr_schedule, n_temperatures=p.n_temperatures, n_chains=100,
                       n_jobs=LIVE_THREADS, random_state=int(self.rng.integers(0, 2 ** 31)))
        self.rbm.initialize(N_PIXELS)
        self.order = self.rng.permutation(len(self.data_u8))
        self.eval_train = _scaled(self.data_u8[:self.N_EVAL], p.binarize)
        self.eval_heldout = _scaled(test[:self.N_EVAL], p.binarize)
        self.recon_inputs = _scaled(test[self.N_EVAL:self.N_EVAL + self.N_RECON], p.binarize).astype(np.float64)
        self.recon_shown = self.recon_inputs.copy()
        self.fantasy_v = (self.rng.random((p.n_fantasy, N_PIXELS)) < 0.5).astype(np.float64)
        self.fantasy_shown = self.fantasy_v.copy()
        self._evaluate(with_error=True)

    def apply_params(self, old, new) -> None:
        """Live changes go to the RBM; structural ones (sizes, data) reset."""
        if _needs_reset(old, new):
            self.reset()
            return
        changes = {name: getattr(new, name) for name in self.LIVE if getattr(old, name) != getattr(new, name)}
        if changes:
            self.rbm.update_params(**changes)

    # -- stepping ------------------------------------------------------------------------
    def step(self, n: int = 1) -> None:
        """n minibatch updates."""
        n = check_int("n", n, 1)
        with blas_threads(BLAS_THREADS):
            for _ in range(n):
                self._train_step()   # counts the minibatch in t

    def _train_step(self) -> None:
        p = self.params
        bs = min(p.batch_size, len(self.order))
        if self.batch_pos + bs > len(self.order):
            self.order = self.rng.permutation(len(self.data_u8))
            self.batch_pos = 0
            self.epoch += 1
            self.rbm.epoch_ = self.epoch  # the learning-rate schedule's clock
        idx = self.order[self.batch_pos:self.batch_pos + bs]
        self.batch_pos += bs
        # a stop request (engine/interrupt.py) ends train_batch before the weights change; once they
        # have, the minibatch is counted first, and the fantasy (interruptible) is assigned only whole
        err = self.rbm.train_batch(_scaled(self.data_u8[idx], p.binarize), want_error=True)
        if np.isfinite(err):
            self.recon_error.append(err)
        self.t += 1
        if self.t % p.eval_every == 0:
            self._evaluate(with_error=False)
        if p.fantasy_steps:
            self._advance_fantasy(p.fantasy_steps)

    def _evaluate(self, with_error: bool) -> None:
        """Pseudo-log-likelihood and mean free energy on fixed train / held-out subsets."""
        seed = 12345  # fixed flips: the curve shows the model changing, not the noise
        # each measure is a tenth of a second at 2000 hidden units: a stop check between them
        # (engine/interrupt.py), and the curves get all of them or none
        pll = self.rbm.pseudo_log_likelihood(self.eval_heldout, seed)
        interrupt.check()
        gap = [float(np.mean(self.rbm.free_energy(self.eval_train)))]
        interrupt.check()
        gap.append(float(np.mean(self.rbm.free_energy(self.eval_heldout))))
        if with_error:
            interrupt.check()
            self.recon_error.append(self.rbm.reconstruction_error(self.eval_train))
        self.pseudo_ll.append(pll)
        self.free_energy_gap.append(gap)

    def _advance_fantasy(self, n_steps: int) -> None:
        v, h = self.rbm.gibbs(self.fantasy_v, n_steps, random_state=int(self.rng.integers(2 ** 31)),
                              return_hidden=True)
        self.fantasy_v = v
        self.fantasy_shown = self.rbm.prob_v_given_h(h)  # the mean image is easier to read than a sample

    # -- actions ---------------------------------------------------------------------------
    @classmethod
    def actions(cls) -> list[tuple[str, str, str]]:
        return [("occlude_and_reconstruct", "Occlude && complete",
                 "hide the bottom rows of the shown digits and let the RBM fill them in"),
                ("show_reconstructions", "Plain reconstructions", "show the digits and their reconstructions"),
                ("new_inputs", "New digits", "pick other held-out digits to reconstruct"),
                ("new_fantasy", "New fantasy", "restart the Gibbs chains from random noise"),
                ("gibbs_step", "Gibbs step", "advance the fantasy chains by one Gibbs step")]

    def occlude_and_reconstruct(self) -> None:
        """Zero the bottom ``occluded_rows`` rows of the shown digits and complete them (seed 000 11.RBM.py)."""
        known = np.ones(IMAGE_SHAPE, dtype=bool)
        known[IMAGE_SHAPE[0] - self.params.occluded_rows:, :] = False
        known = known.reshape(-1)
        occluded = self.recon_inputs * known
        self.recon_shown = occluded
        self.completion = self.rbm.complete(occluded, known, n_steps=30)
        self.occluded = True

    def show_reconstructions(self) -> None:
        """Back to the digits beside their plain reconstructions."""
        self.occluded = False
        self.recon_shown = self.recon_inputs.copy()

    def new_inputs(self) -> None:
        """Choose other held-out digits for the reconstruction row."""
        test = _mnist_images("test")
        idx = self.rng.choice(np.arange(self.N_EVAL, len(test)), self.N_RECON, replace=False)
        self.recon_inputs = _scaled(test[idx], self.params.binarize).astype(np.float64)
        if self.occluded:
            self.occlude_and_reconstruct()
        else:
            self.recon_shown = self.recon_inputs.copy()

    def new_fantasy(self) -> None:
        """Restart the fantasy chains from uniform random binary images."""
        self.fantasy_v = (self.rng.random(self.fantasy_v.shape) < 0.5).astype(np.float64)
        self.fantasy_shown = self.fantasy_v.copy()

    def gibbs_step(self) -> None:
        """One Gibbs step of the fantasy chains (works while paused)."""
        self._advance_fantasy(1)

    # -- drawing ---------------------------------------------------------------------------
    def views(self) -> list[ViewSpec]:
        return [
            ViewSpec("fields", "image_grid", "Receptive fields (hidden units' weights)", colormap="diverging",
                     main=True),
            ViewSpec("reconstructions", "image_grid", "Inputs (top) and reconstructions (bottom)",
                     colormap="gray", extra={"columns": self.N_RECON}),
            ViewSpec("fantasy", "image_grid", "Fantasy particles (Gibbs chains, p(v|h))", colormap="gray"),
            ViewSpec("recon_error", "curve", "Reconstruction error", x_label="minibatch", y_label="mean squared"),
            ViewSpec("pseudo_ll", "curve", "Pseudo-log-likelihood (held-out)", x_label="evaluation",
                     y_label="nats per image"),
            ViewSpec("free_energy_gap", "curve", "Mean free energy: train vs held-out",
                     labels=("train", "held-out"), x_label="evaluation", y_label="F(v)"),
        ]

    def snapshot(self) -> Snapshot:
        W = self.rbm.weights_
        data: dict[str, Any] = {"fields": _as_tiles(W[:, :min(self.params.n_shown, W.shape[1])], IMAGE_SHAPE)}
        # 10 images: two tiny products, cheap enough per frame, and always current
        lower = self.completion if self.occluded else self.rbm.reconstruct(self.recon_shown)
        data["reconstructions"] = np.concatenate([self.recon_shown, lower]).reshape(-1, *IMAGE_SHAPE)
        data["fantasy"] = self.fantasy_shown.reshape(-1, *IMAGE_SHAPE).copy()
        data["recon_error"] = self.recon_error.array()
        data["pseudo_ll"] = self.pseudo_ll.array()
        data["free_energy_gap"] = self.free_energy_gap.array()
        data["epoch"] = float(self.epoch)
        data["learning_rate"] = self.rbm.current_learning_rate()
        return Snapshot(t=self.t, data=data, unit=self.unit)

    # -- saving ----------------------------------------------------------------------------
    def extra_state(self) -> dict[str, np.ndarray]:
        st = {f"rbm_{k}": v for k, v in self.rbm.get_state().items()}
        st.update(recon_error=self.recon_error.array(), pseudo_ll=self.pseudo_ll.array(),
                  free_energy_gap=self.free_energy_gap.array(),
                  counters=np.array([self.epoch, self.batch_pos, int(self.occluded)], dtype=np.int64),
                  order=self.order.copy(), recon_inputs=self.recon_inputs.copy(),
                  recon_shown=self.recon_shown.copy(), fantasy_v=self.fantasy_v.copy(),
                  fantasy_shown=self.fantasy_shown.copy(),
                  completion=(self.completion.copy() if self.occluded else np.zeros((0,))))
        return st

    def load_extra_state(self, state) -> None:
        """Every entry checked before anything changes (sessions of 0.1.0 hold a 'tiny_kl' too: ignored)."""
        n = len(self.data_u8)
        epoch, batch_pos, occluded = state_ints(state, "counters", 3, 0)
        check_int("state['counters'][1] (batch_pos)", batch_pos, 0, n)
        check_int("state['counters'][2] (occluded)", occluded, 0, 1)
        order = _order(state, "order", (n,), n)
        rows = (self.N_RECON, N_PIXELS)
        recon_inputs = _probabilities(state, "recon_inputs", rows)
        recon_shown = _probabilities(state, "recon_shown", rows)
        fantasy_v = _probabilities(state, "fantasy_v", self.fantasy_v.shape)
        fantasy_shown = _probabilities(state, "fantasy_shown", self.fantasy_shown.shape)
        completion = _probabilities(state, "completion", rows if occluded else (None,))
        histories = {"recon_error": state_entry(state, "recon_error", ndim=1),
                     "pseudo_ll": state_entry(state, "pseudo_ll", ndim=1),
                     "free_energy_gap": state_entry(state, "free_energy_gap", shape=(2, None))}
        self.rbm.set_state(state, prefix="rbm_")  # checks all its entries before changing any
        for key, a in histories.items():
            getattr(self, key).load(a)
        self.epoch, self.batch_pos, self.occluded = epoch, batch_pos, bool(occluded)
        self.order = order
        self.recon_inputs, self.recon_shown = recon_inputs, recon_shown
        self.fantasy_v, self.fantasy_shown = fantasy_v, fantasy_shown
        if self.occluded:
            self.completion = completion


# --------------------------------------------------------------------------- the seeds' 3×2 RBM
@dataclass(frozen=True)
class RBMTableParams:
    n_chains: int = param(200, label="Gibbs chains", min=1, max=100000, live=False,
                          help="independent chains whose visited states fill the sampled column")


class RBMTableModel(Model):
    """The seeds' 3-visible × 2-hidden RBM (seed 000 §4-2): its exact p(v, h) table beside the
    frequencies that block-Gibbs chains visit. One step = one Gibbs sweep of every chain."""

    name = "rbm-table"
    title = "RBM 3×2 (seed)"
    unit = "Gibbs sweep"
    Params = RBMTableParams
    N_STATES = 32  # 2**3 visible × 2**2 hidden

    def __init__(self, params=None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self.rbm = RBM(2, dtype="float64", random_state=0).set_weights(
            SEED_3X2_WEIGHTS, SEED_3X2_VISIBLE_BIAS, SEED_3X2_HIDDEN_BIAS)
        _, _, joint, self.z = self.rbm.exact_distribution()
        self.exact = joint.reshape(-1)  # row v·4 + h, in counting order
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        """Chains from random states, no counts yet."""
        super().reset(seed)
        self.new_chains()

    def step(self, n: int = 1) -> None:
        """n block Gibbs sweeps (h | v, then v | h) of every chain; count the visited (v, h) states."""
        n = check_int("n", n, 1)
        for _ in range(n):
            self.h = (self.rng.random(self.h.shape) < self.rbm.transform(self.v)).astype(np.float64)
            self.v = (self.rng.random(self.v.shape) < self.rbm.prob_v_given_h(self.h)).astype(np.float64)
            self.counts += np.bincount(state_codes(self.v) * 4 + state_codes(self.h), minlength=self.N_STATES)
            freq = self.counts / self.counts.sum()
            nz = freq > 0
            self.kl.append(float(np.sum(freq[nz] * np.log(freq[nz] / self.exact[nz]))))
            self.t += 1

    @classmethod
    def actions(cls) -> list[tuple[str, str, str]]:
        return [("new_chains", "New chains", "restart every chain from a random state and count afresh")]

    def new_chains(self) -> None:
        """Restart every chain from uniformly random binary states; counts and KL curve start again."""
        n = self.params.n_chains
        self.v = (self.rng.random((n, 3)) < 0.5).astype(np.float64)
        self.h = (self.rng.random((n, 2)) < 0.5).astype(np.float64)
        self.counts = np.zeros(self.N_STATES, dtype=np.int64)
        self.kl = History()

    def views(self) -> list[ViewSpec]:
        ticks = [f"{v // 4:03b}|{v % 4:02b}" for v in range(self.N_STATES)]
        return [ViewSpec("tiny_table", "bars", "p(v,h) exact vs sampled", labels=("exact", "sampled"),
                         main=True, extra={"ticks": ticks}),
                ViewSpec("tiny_kl", "curve", "KL(sampled ‖ exact)", x_label="Gibbs sweep")]

    def snapshot(self) -> Snapshot:
        sampled = self.counts / max(int(self.counts.sum()), 1)
        return Snapshot(t=self.t, data={"tiny_table": np.stack([self.exact, sampled]), "tiny_z": self.z,
                                        "tiny_kl": self.kl.array()}, unit=self.unit)

    def extra_state(self) -> dict[str, np.ndarray]:
        return {"tiny_counts": self.counts.copy(), "tiny_v": self.v.copy(), "tiny_h": self.h.copy(),
                "tiny_kl": self.kl.array()}

    def load_extra_state(self, state) -> None:
        """Every entry checked first (a 0.1.0 session of the RBM's "seed_3x2" preset loads too)."""
        counts = state_entry(state, "tiny_counts", shape=(self.N_STATES,), dtype=None)
        if not np.issubdtype(counts.dtype, np.integer):
            raise ValueError(f"state['tiny_counts'] must hold integer counts, got dtype {counts.dtype}")
        counts = state_entry(state, "tiny_counts", shape=(self.N_STATES,), dtype=np.int64, values=(0, None),
                             copy=True)
        n = self.params.n_chains
        v = state_entry(state, "tiny_v", shape=(n, 3), values="binary", copy=True)
        h = state_entry(state, "tiny_h", shape=(n, 2), values="binary", copy=True)
        kl = state_entry(state, "tiny_kl", ndim=1)
        self.counts, self.v, self.h = counts, v, h
        self.kl.load(kl)


# --------------------------------------------------------------------------- the DBN on MNIST
@dataclass(frozen=True)
class DBNParams:
    n_layers: int = param(2, label="Layers", min=1, max=3, live=False)
    n_hidden_1: int = param(500, label="Hidden units, layer 1", min=1, max=2000, live=False)
    n_hidden_2: int = param(500, label="Hidden units, layer 2", min=1, max=2000, live=False)
    n_hidden_3: int = param(500, label="Hidden units, layer 3", min=1, max=2000, live=False)
    method: str = param("cd", label="Training", choices=METHODS, group="rule", live=False)
    k: int = param(1, label="Gibbs steps k", min=1, max=50, live=False)
    learning_rate: float = param(0.05, label="Learning rate", min=1e-4, max=1.0, log=True)
    momentum: float = param(0.5, label="Momentum", min=0.0, max=0.99)
    batch_size: int = param(100, label="Minibatch", min=1, max=1000, live=False)
    epochs_per_layer: float = param(1.0, label="Epochs per layer", min=0.05, max=100.0,
                                    help="passes over the data each layer trains before the next one starts")
    binarize: bool = param(False, label="Binarize digits", live=False)
    data: str = param("mnist", label="Training data", choices=("mnist", IMPORTED), live=False,
                      help="MNIST's training digits, or yours (File → Import data: 28×28 images, all of them "
                           "used; the held-out numbers stay on MNIST's test digits)")
    n_train: int = param(60000, label="Training images", min=100, max=60000, live=False)
    n_shown: int = param(64, label="Fields shown per layer", min=1, max=400)


class DBNModel(Model):
    """Deep belief net on MNIST, trained greedily through step(): one step = one minibatch of the current layer."""

    name = "dbn"
    title = "DBN"
    unit = "minibatch"
    Params = DBNParams
    data_param = "data"
    check_training_data = check_digit_set
    MAX_LAYERS = 3
    N_FANTASY = 16

    def __init__(self, params=None, *, seed: int | None = None):
        super().__init__(params, seed=seed)
        self.reset()

    def hidden_sizes(self) -> tuple[int, ...]:
        """The hidden-layer sizes in use, bottom to top."""
        p = self.params
        return (p.n_hidden_1, p.n_hidden_2, p.n_hidden_3)[:p.n_layers]

    def reset(self, seed: int | None = None) -> None:
        """Fresh layers (all untrained), data order and curve."""
        super().reset(seed)
        p = self.params
        self.data_u8 = _training_images(self, p.n_train)
        self.dbn = DBN(self.hidden_sizes(), method=p.method, k=p.k, learning_rate=p.learning_rate,
                       momentum=p.momentum, batch_size=p.batch_size, n_chains=100, n_jobs=LIVE_THREADS,
                       random_state=int(self.rng.integers(0, 2 ** 31)))
        self.dbn.initialize(N_PIXELS)
        self.layer_batches = 0  # minibatches the layer in training has had
        self.batch_pos = 0
        self.order = self.rng.permutation(len(self.data_u8))
        self.recon_error = History(width=self.MAX_LAYERS)  # one row per possible layer (the saved format)
        self.new_fantasy()  # the view shows something from the first frame

    def _batches_per_layer(self) -> int:
        p = self.params
        return max(1, int(round(p.epochs_per_layer * len(self.data_u8) / min(p.batch_size, len(self.data_u8)))))

    def apply_params(self, old, new) -> None:
        """Learning rate and momentum apply live to every layer; the rest reset."""
        if _needs_reset(old, new):
            self.reset()
        elif (old.learning_rate, old.momentum) != (new.learning_rate, new.momentum):
            self.dbn.update_params(learning_rate=new.learning_rate, momentum=new.momentum)

    @property
    def done(self) -> bool:
        """True when every layer has had its epochs."""
        return self.dbn.done

    def step(self, n: int = 1) -> None:
        """n minibatch updates of the current layer; moves up a layer when its epochs are done."""
        n = check_int("n", n, 1)
        with blas_threads(BLAS_THREADS):
            for _ in range(n):
                self._step()
                self.t += 1

    def _step(self) -> None:
        if self.done:
            self.gibbs_step()  # every layer trained: stepping keeps the fantasy moving only
            return
        p = self.params
        bs = min(p.batch_size, len(self.order))
        if self.batch_pos + bs > len(self.order):
            self.order = self.rng.permutation(len(self.data_u8))
            self.batch_pos = 0
        idx = self.order[self.batch_pos:self.batch_pos + bs]
        self.batch_pos += bs
        layer = self.dbn.layer_
        row = [np.nan] * self.MAX_LAYERS
        row[layer] = self.dbn.train_batch(_scaled(self.data_u8[idx], p.binarize), want_error=True)
        self.recon_error.append(row)
        self.layer_batches += 1
        if self.layer_batches >= self._batches_per_layer():
            self.next_layer()

    @classmethod
    def actions(cls) -> list[tuple[str, str, str]]:
        return [("new_fantasy", "New fantasy", "sample the top layer from noise and project down"),
                ("gibbs_step", "Gibbs step", "one more Gibbs step at the top, projected down"),
                ("next_layer", "Next layer", "stop training this layer and start the next one")]

    def new_fantasy(self) -> None:
        """Restart the top-level Gibbs chains from noise and show them in pixel space."""
        top = self.dbn.rbms_[-1]
        self.top_v = (self.rng.random((self.N_FANTASY, top.n_visible)) < 0.5).astype(np.float64)
        self.fantasy = self.dbn.down(self.top_v)

    def gibbs_step(self) -> None:
        """Advance the top RBM's fantasy chains by one Gibbs step."""
        self.top_v = self.dbn.rbms_[-1].gibbs(self.top_v, 1, random_state=int(self.rng.integers(2 ** 31)))
        self.fantasy = self.dbn.down(self.top_v)

    def next_layer(self) -> None:
        """Finish the current layer now and move to the next (the next starts on a fresh shuffle)."""
        if not self.done:
            self.dbn.next_layer()
            self.layer_batches = 0
            self.batch_pos = len(self.order)

    def views(self) -> list[ViewSpec]:
        n = self.params.n_layers
        return ([ViewSpec(f"fields_{i}", "image_grid",
                          f"Layer {i} fields" + (" (28×28 weights)" if i == 1 else " (projected to pixels)"),
                          colormap="diverging", main=(i == 1)) for i in range(1, n + 1)]
                + [ViewSpec("recon_error", "curve", "Reconstruction error of the layer in training",
                            labels=tuple(f"layer {i}" for i in range(1, n + 1)),
                            x_label="minibatch", y_label="mean squared"),
                   ViewSpec("fantasy", "image_grid", "Top-layer fantasies projected to pixels", colormap="gray")])

    def snapshot(self) -> Snapshot:
        data: dict[str, Any] = {}
        for i, rbm in enumerate(self.dbn.rbms_, start=1):
            # right to left over the shown columns only: a few small products per frame
            data[f"fields_{i}"] = _as_tiles(self.dbn.fields(i, min(self.params.n_shown, rbm.n_hidden)), IMAGE_SHAPE)
        data["recon_error"] = self.recon_error.array()[:self.params.n_layers].copy()
        data["fantasy"] = self.fantasy.reshape(-1, *IMAGE_SHAPE).copy()
        data["layer"] = float(min(self.dbn.layer_ + 1, self.params.n_layers))
        return Snapshot(t=self.t, data=data, unit=self.unit)

    def extra_state(self) -> dict[str, np.ndarray]:
        st = self.dbn.get_state()
        st.update(counters=np.array([self.dbn.layer_, self.layer_batches, self.batch_pos], dtype=np.int64),
                  order=self.order.copy(), recon_error=self.recon_error.array(), fantasy=self.fantasy.copy(),
                  top_v=self.top_v.copy())
        return st

    def load_extra_state(self, state) -> None:
        """Every entry checked before anything changes."""
        n = len(self.data_u8)
        layer, layer_batches, batch_pos = state_ints(state, "counters", 3, 0)
        check_int("state['counters'][2] (batch_pos)", batch_pos, 0, n)
        order = _order(state, "order", (n,), n)
        recon_error = state_entry(state, "recon_error", shape=(self.MAX_LAYERS, None), finite=False)
        fantasy = _probabilities(state, "fantasy", (self.N_FANTASY, N_PIXELS))
        top_v = state_entry(state, "top_v", shape=(self.N_FANTASY, self.dbn.rbms_[-1].n_visible), values="binary",
                            copy=True)
        self.dbn.set_state(state, layer)  # checks every layer (and layer ≤ n_layers) before changing any
        self.layer_batches, self.batch_pos = layer_batches, batch_pos
        self.order = order
        self.recon_error.load(recon_error)
        self.fantasy, self.top_v = fantasy, top_v
