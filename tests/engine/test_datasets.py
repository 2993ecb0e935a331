"""engine.datasets: letters, MNIST, scikit-learn toys, user files (IDX/npz/pickle), presets."""
from __future__ import annotations

import gzip
import os
import pickle
import struct

import numpy as np
import pytest

from engine import datasets as ds

# ----------------------------------------------------------------------------- letters

# seed 000: the Hebb / perceptron listings (T, U, C) and "10.Boltzmann.py" (T, U, L, H)
SEED_3X3 = {
    "T": [1, 1, 1, 0, 1, 0, 0, 1, 0],
    "U": [1, 0, 1, 1, 0, 1, 1, 1, 1],
    "C": [1, 1, 1, 1, 0, 0, 1, 1, 1],
    "L": [1, 0, 0, 1, 0, 0, 1, 1, 1],
    "H": [1, 0, 1, 1, 1, 1, 1, 0, 1],
}


def test_3x3_letters_are_the_seeds_vectors():
    got = ds.letters("TUCLH", size=3)
    assert got.shape == (5, 3, 3) and got.dtype == np.uint8
    for k, ch in enumerate("TUCLH"):
        assert got[k].reshape(-1).tolist() == SEED_3X3[ch], ch
    assert sorted(ds.letter_names(3)) == sorted(SEED_3X3)


def test_3x3_unknown_letter_lists_the_available_ones():
    with pytest.raises(ValueError, match=r"'A'.*available: TUCLH"):
        ds.letters("TA", size=3)


def test_7x7_alphabet_is_distinct_and_inked():
    names = ds.letter_names(7)
    alphabet = [c for c in names if c.isalpha()]
    assert alphabet == [chr(ord("A") + i) for i in range(26)]
    assert [c for c in names if c.isdigit()] == [str(d) for d in range(10)]
    imgs = ds.letters("".join(alphabet))
    assert imgs.shape == (26, 7, 7) and imgs.dtype == np.uint8
    assert set(np.unique(imgs)) == {0, 1}
    flat = imgs.reshape(26, -1).astype(int)
    assert (flat.sum(1) >= 7).all()  # every letter has ink
    dist = (flat[:, None, :] != flat[None, :, :]).sum(-1)
    np.fill_diagonal(dist, 99)
    assert dist.min() >= 5, "some letters are too alike"
    # the digits are distinct from each other and from the letters too
    every = ds.letters("".join(names)).reshape(len(names), -1).astype(int)
    d_all = (every[:, None, :] != every[None, :, :]).sum(-1)
    np.fill_diagonal(d_all, 99)
    assert d_all.min() >= 5


def test_letters_are_recognisable_shapes():
    t, l, i = ds.letters("TLI")
    assert t[0].all() and t[:, 3].all() and t[1:, :3].sum() == 0  # top bar and stem
    assert l[:, 0].all() and l[6].all() and l[:6, 1:].sum() == 0
    assert i[:, 3].all()


def test_lower_case_is_drawn_as_upper_case():
    np.testing.assert_array_equal(ds.letters("hello"), ds.letters("HELLO"))


@pytest.mark.parametrize("size", [14, 21, 63])
def test_upscaling_by_nearest_neighbour(size):
    small = ds.letters("AZ9", 7)
    big = ds.letters("AZ9", size)
    f = size // 7
    assert big.shape == (3, size, size) and big.dtype == np.uint8
    np.testing.assert_array_equal(big[:, ::f, ::f], small)
    np.testing.assert_array_equal(big, np.kron(small, np.ones((f, f), dtype=np.uint8)))


@pytest.mark.parametrize("size", [0, 1, 4, 8, 15, 70, 2.0, True, "7", None])
def test_bad_sizes_say_which_are_available(size):
    with pytest.raises(ValueError, match="size"):
        ds.letters("A", size=size)
    with pytest.raises(ValueError, match="size"):
        ds.letter_names(size)


@pytest.mark.parametrize("text,msg", [("", "empty"), (3, "str"), (None, "str"), ("A?", r"'\?'"),
                                      ("a b", "' '")])
def test_bad_text(text, msg):
    with pytest.raises(ValueError, match=msg):
        ds.letters(text)


# ----------------------------------------------------------------------------- MNIST

def test_mnist_train_shapes_counts_and_first_labels():
    x, y = ds.load_mnist("train")
    assert x.shape == (60000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (60000,) and y.dtype == np.uint8
    assert np.bincount(y).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert y[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert x.max() == 255 and x.min() == 0


def test_mnist_test_split_first_n_and_cache():
    x, y = ds.load_mnist("test")
    assert x.shape == (10000, 28, 28) and y.shape == (10000,)
    assert np.bincount(y).sum() == 10000
    x5, y5 = ds.load_mnist("test", n=5)
    assert x5.shape == (5, 28, 28)
    np.testing.assert_array_equal(y5, y[:5])
    x_again, _ = ds.load_mnist("test")
    assert np.shares_memory(x, x_again), "MNIST should be read once per process"
    assert not x.flags.writeable, "cached arrays are handed out read-only"
    with pytest.raises(ValueError):
        x[0, 0, 0] = 1


@pytest.mark.parametrize("kw,msg", [(dict(split="val"), "split"), (dict(n=0), "n must"),
                                    (dict(n=60001), "n must"), (dict(n=2.5), "n must"),
                                    (dict(n=True), "n must")])
def test_mnist_bad_arguments(kw, msg):
    with pytest.raises(ValueError, match=msg):
        ds.load_mnist(**kw)


def test_mnist_user_path_validated(tmp_path):
    good = tmp_path / "mini.npz"
    x = np.zeros((3, 28, 28), np.uint8)
    np.savez(good, x_train=x, y_train=np.array([1, 2, 3], np.uint8), x_test=x, y_test=np.zeros(3, np.uint8))
    gx, gy = ds.load_mnist("train", path=good)
    assert gx.shape == (3, 28, 28) and gy.tolist() == [1, 2, 3]

    missing = tmp_path / "missing.npz"
    np.savez(missing, x_train=x)
    with pytest.raises(ValueError, match=r"missing.npz.*missing \['y_train'\]"):
        ds.load_mnist("train", path=missing)
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, x_train=np.zeros((3, 27, 28), np.uint8), y_train=np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match=r"wrong.npz: x_train must be uint8 of shape \(n, 28, 28\)"):
        ds.load_mnist("train", path=wrong)
    labels = tmp_path / "labels.npz"
    np.savez(labels, x_train=x, y_train=np.array([1, 2, 12]))
    with pytest.raises(ValueError, match="labels 0..9"):
        ds.load_mnist("train", path=labels)
    truncated = tmp_path / "trunc.npz"
    truncated.write_bytes(good.read_bytes()[:100])
    with pytest.raises(ValueError, match="trunc.npz"):
        ds.load_mnist("train", path=truncated)
    (tmp_path / "text.npz").write_text("not an archive")
    with pytest.raises(ValueError, match="text.npz is not a readable MNIST npz"):
        ds.load_mnist("train", path=tmp_path / "text.npz")
    np.save(tmp_path / "plain.npy", x)
    with pytest.raises(ValueError, match="plain.npy is not a readable MNIST npz"):
        ds.load_mnist("train", path=tmp_path / "plain.npy")
    with pytest.raises(ValueError, match="no such file"):
        ds.load_mnist("train", path=tmp_path / "nope.npz")
    with pytest.raises(ValueError, match="path"):
        ds.load_mnist("train", path=3)


def test_mnist_attribution_names_the_licence():
    text = ds.mnist_attribution()
    assert "CC BY-SA 3.0" in text or "CC BY-SA" in text
    assert "MNIST" in text


# ----------------------------------------------------------------------------- scikit-learn toys

def test_digits_8x8():
    x, y = ds.load_digits_8x8()
    assert x.shape == (1797, 8, 8) and x.dtype == np.float64
    assert x.min() == 0 and x.max() == 16
    assert y.shape == (1797,) and set(y.tolist()) == set(range(10))


def test_iris():
    x, y, names = ds.load_iris()
    assert x.shape == (150, 4) and y.shape == (150,)
    assert np.bincount(y).tolist() == [50, 50, 50]
    assert names == ["setosa", "versicolor", "virginica"]


def test_blobs_are_the_seeds_clusters_and_seeded():
    x, y = ds.blobs(1500, seed=3)
    assert x.shape == (1500, 2) and y.shape == (1500,)
    assert np.bincount(y).tolist() == [500, 500, 500]
    for k, centre in enumerate([(0.0, 0.0), (0.5, 0.5), (1.0, 0.0)]):
        pts = x[y == k]
        np.testing.assert_allclose(pts.mean(0), centre, atol=0.03)
        np.testing.assert_allclose(pts.std(0), 0.15, atol=0.02)
    x2, y2 = ds.blobs(1500, seed=3)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(ds.blobs(1500, seed=4)[0], x)


def test_blobs_other_centres():
    x, y = ds.blobs(400, centers=4, cluster_std=0.01, seed=0)
    assert sorted(set(y.tolist())) == [0, 1, 2, 3]
    means = np.array([x[y == k].mean(0) for k in range(4)])
    np.testing.assert_allclose(np.linalg.norm(means - [0.5, 0.25], axis=1), 0.5, atol=0.01)
    x, y = ds.blobs(10, centers=[[5.0, 5.0]], cluster_std=0.0, seed=0)
    np.testing.assert_array_equal(x, np.full((10, 2), 5.0))


@pytest.mark.parametrize("kw,msg", [(dict(n_samples=0), "n_samples"), (dict(n_samples=2.0), "n_samples"),
                                    (dict(centers=0), "centers"), (dict(centers=[[1, 2, 3]]), "centers"),
                                    (dict(centers=[[np.nan, 0]]), "centers"), (dict(cluster_std=-1), "cluster_std"),
                                    (dict(cluster_std=np.inf), "cluster_std"), (dict(seed=-1), "seed"),
                                    (dict(seed=1.5), "seed")])
def test_blobs_bad_arguments(kw, msg):
    with pytest.raises(ValueError, match=msg):
        ds.blobs(**kw)


# ----------------------------------------------------------------------------- user files

def write_idx(path, arr: np.ndarray, code: int, *, magic: bytes | None = None, compress=False,
              cut: int = 0) -> None:
    """An IDX file written by hand from LeCun's format description (big-endian)."""
    be = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    head = magic if magic is not None else bytes([0, 0, code, arr.ndim])
    head += b"".join(struct.pack(">I", d) for d in arr.shape)
    data = head + arr.astype(be).tobytes()
    if cut:
        data = data[:-cut]
    if compress:
        data = gzip.compress(data)
    path.write_bytes(data)


@pytest.fixture()
def tiny_images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (5, 4, 3)).astype(np.uint8), np.array([3, 1, 4, 1, 5], np.uint8)


@pytest.mark.parametrize("compress", [False, True])
def test_idx_round_trip_with_labels_beside(tmp_path, tiny_images, compress):
    x, y = tiny_images
    gz = ".gz" if compress else ""
    write_idx(tmp_path / f"train-images-idx3-ubyte{gz}", x, 0x08, compress=compress)
    write_idx(tmp_path / f"train-labels-idx1-ubyte{gz}", y, 0x08, compress=compress)
    gx, gy = ds.load_file(tmp_path / f"train-images-idx3-ubyte{gz}")
    np.testing.assert_array_equal(gx, x)
    np.testing.assert_array_equal(gy, y)
    assert gx.dtype == np.uint8
    np.testing.assert_array_equal(ds.read_idx(tmp_path / f"train-labels-idx1-ubyte{gz}"), y)


def test_idx_without_labels_and_with_explicit_labels(tmp_path, tiny_images):
    x, y = tiny_images
    write_idx(tmp_path / "pics.idx3", x, 0x08)
    gx, gy = ds.load_file(tmp_path / "pics.idx3")
    np.testing.assert_array_equal(gx, x)
    assert gy is None
    write_idx(tmp_path / "lab.idx1", y, 0x08)
    _, gy = ds.load_file(tmp_path / "pics.idx3", labels=tmp_path / "lab.idx1")
    np.testing.assert_array_equal(gy, y)
    with pytest.raises(ValueError, match=r"'lab.idx1' holds 1-D IDX labels only"):
        ds.load_file(tmp_path / "lab.idx1")
    with pytest.raises(ValueError, match="labels must be a file path or None, got int"):
        ds.load_file(tmp_path / "pics.idx3", labels=1)
    np.savez(tmp_path / "xy.npz", x=x)
    with pytest.raises(ValueError, match="labels= is only for IDX image files"):
        ds.load_file(tmp_path / "xy.npz", labels=tmp_path / "lab.idx1")
    write_idx(tmp_path / "short.idx1", y[:3], 0x08)
    with pytest.raises(ValueError, match=r"'pics.idx3' has 5 examples but labels file 'short.idx1' has 3"):
        ds.load_file(tmp_path / "pics.idx3", labels=tmp_path / "short.idx1")


@pytest.mark.parametrize("code,dtype", [(0x09, np.int8), (0x0B, np.int16), (0x0C, np.int32),
                                        (0x0D, np.float32), (0x0E, np.float64)])
def test_idx_other_type_codes(tmp_path, code, dtype):
    x = (np.arange(24).reshape(2, 3, 4) - 7).astype(dtype)
    write_idx(tmp_path / "a.idx", x, code)
    got = ds.read_idx(tmp_path / "a.idx")
    assert got.dtype == np.dtype(dtype) and got.dtype.isnative
    np.testing.assert_array_equal(got, x)


def test_idx_malformed_files_name_the_file(tmp_path, tiny_images):
    x, _ = tiny_images
    cases = {
        "truncated.idx": dict(cut=5),
        "magic.idx": dict(magic=b"\x01\x00\x08\x03"),
        "code.idx": dict(magic=b"\x00\x00\x07\x03"),
        "dims.idx": dict(magic=b"\x00\x00\x08\x04"),  # claims 4 dims, has 3 → payload mismatch
    }
    for name, kw in cases.items():
        write_idx(tmp_path / name, x, 0x08, **kw)
    with pytest.raises(ValueError, match=r"'truncated.idx' is truncated.*need 60 payload bytes, found 55"):
        ds.load_file(tmp_path / "truncated.idx")
    with pytest.raises(ValueError, match=r"'magic.idx'.*not a recognised"):
        ds.load_file(tmp_path / "magic.idx")
    with pytest.raises(ValueError, match=r"'magic.idx' has a wrong IDX magic number"):
        ds.read_idx(tmp_path / "magic.idx")
    with pytest.raises(ValueError, match=r"'code.idx' has an unknown IDX type code 0x07"):
        ds.load_file(tmp_path / "code.idx")
    with pytest.raises(ValueError, match=r"'dims.idx'"):
        ds.load_file(tmp_path / "dims.idx")
    (tmp_path / "head.idx").write_bytes(b"\x00\x00\x08\x03\x00\x00")
    with pytest.raises(ValueError, match=r"'head.idx' is truncated inside its IDX header"):
        ds.load_file(tmp_path / "head.idx")
    write_idx(tmp_path / "long.idx", x, 0x08)
    with open(tmp_path / "long.idx", "ab") as f:
        f.write(b"\x00")
    with pytest.raises(ValueError, match=r"'long.idx' is longer than its header says"):
        ds.load_file(tmp_path / "long.idx")
    write_idx(tmp_path / "empty.idx", np.zeros((0, 4, 3), np.uint8), 0x08)
    with pytest.raises(ValueError, match=r"'empty.idx' is empty"):
        ds.load_file(tmp_path / "empty.idx")
    write_idx(tmp_path / "nan.idx", np.array([[1.0, np.nan]]), 0x0E)
    with pytest.raises(ValueError, match=r"'nan.idx' contains NaN"):
        ds.load_file(tmp_path / "nan.idx")
    good = gzip.compress((tmp_path / "long.idx").read_bytes())
    (tmp_path / "cut.idx.gz").write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match=r"'cut.idx.gz' is a corrupt or truncated gzip"):
        ds.load_file(tmp_path / "cut.idx.gz")


def test_empty_missing_and_unknown_files(tmp_path):
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(ValueError, match=r"'empty.npz' is empty"):
        ds.load_file(tmp_path / "empty.npz")
    with pytest.raises(ValueError, match="no such file"):
        ds.load_file(tmp_path / "absent.npz")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match=r"'notes.txt' is not a recognised data file"):
        ds.load_file(tmp_path / "notes.txt")
    with pytest.raises(ValueError, match="path must be a file path"):
        ds.load_file(42)


def test_npz_variants(tmp_path):
    x = np.arange(24, dtype=np.float32).reshape(6, 4)
    y = np.arange(6)
    np.savez(tmp_path / "xy.npz", x=x, y=y)
    gx, gy = ds.load_file(tmp_path / "xy.npz")
    np.testing.assert_array_equal(gx, x)
    np.testing.assert_array_equal(gy, y)
    np.savez_compressed(tmp_path / "train.npz", x_train=x, y_train=y, x_test=x[:2], y_test=y[:2])
    gx, gy = ds.load_file(tmp_path / "train.npz")
    assert gx.shape == (6, 4) and gy.tolist() == list(range(6))
    np.savez(tmp_path / "anon.npz", np.arange(3), x.reshape(6, 2, 2))
    gx, gy = ds.load_file(tmp_path / "anon.npz")
    assert gx.shape == (6, 2, 2) and gy is None

    np.savez(tmp_path / "mismatch.npz", x=x, y=y[:5])
    with pytest.raises(ValueError, match=r"'mismatch.npz': x has 6 examples but y has 5 labels"):
        ds.load_file(tmp_path / "mismatch.npz")
    np.savez(tmp_path / "nan.npz", x=np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match=r"'nan.npz': x contains NaN"):
        ds.load_file(tmp_path / "nan.npz")
    np.savez(tmp_path / "flat.npz", x=np.arange(5))
    with pytest.raises(ValueError, match=r"'flat.npz': x must be 2-D .* got shape \(5,\)"):
        ds.load_file(tmp_path / "flat.npz")
    np.savez(tmp_path / "nothing.npz", a=np.arange(3))
    with pytest.raises(ValueError, match=r"'nothing.npz' holds no data array"):
        ds.load_file(tmp_path / "nothing.npz")
    np.savez(tmp_path / "objects.npz", x=np.array([{"a": 1}, None], dtype=object))
    with pytest.raises(ValueError, match=r"'objects.npz': entry 'x.npy' holds Python objects; refused"):
        ds.load_file(tmp_path / "objects.npz")
    (tmp_path / "trunc.npz").write_bytes((tmp_path / "xy.npz").read_bytes()[:-40])
    with pytest.raises(ValueError, match=r"'trunc.npz' is not a readable .npz"):
        ds.load_file(tmp_path / "trunc.npz")


@pytest.mark.parametrize("protocol", [0, 2, 3, 4, 5])
def test_the_seeds_pickle_loads(tmp_path, protocol):
    # the seeds' data/mnist.pkl: pickle.dump((x, y)) with x (70000, 784), y (70000, 1)
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, (7, 784)).astype(np.float64)
    y = rng.integers(0, 10, (7, 1))
    path = tmp_path / "mnist.pkl"
    path.write_bytes(pickle.dumps((x, y), protocol=protocol))
    gx, gy = ds.load_file(path)
    np.testing.assert_array_equal(gx, x)
    assert gy.shape == (7,)
    np.testing.assert_array_equal(gy, y[:, 0])


def test_pickle_with_string_labels_and_scalars(tmp_path):
    # fetch_openml gives object arrays of '5', '0', …; they convert to integers
    x = np.zeros((3, 4), np.uint8)
    y = np.array(["5", "0", "4"], dtype=object)
    (tmp_path / "s.pkl").write_bytes(pickle.dumps([x, y], protocol=2))
    _, gy = ds.load_file(tmp_path / "s.pkl")
    assert gy.tolist() == [5, 0, 4]
    (tmp_path / "bad.pkl").write_bytes(pickle.dumps((x, np.array(["five", "x", "y"], dtype=object))))
    with pytest.raises(ValueError, match=r"'bad.pkl': y must be numeric"):
        ds.load_file(tmp_path / "bad.pkl")
    (tmp_path / "num.pkl").write_bytes(pickle.dumps((np.float64(3.0), y)))
    with pytest.raises(ValueError, match=r"'num.pkl': x must be an array"):
        ds.load_file(tmp_path / "num.pkl")
    (tmp_path / "mismatch.pkl").write_bytes(pickle.dumps((x, np.arange(2))))
    with pytest.raises(ValueError, match=r"'mismatch.pkl': x has 3 examples but y has 2"):
        ds.load_file(tmp_path / "mismatch.pkl")
    (tmp_path / "str.pkl").write_bytes(pickle.dumps("hello"))
    with pytest.raises(ValueError, match=r"'str.pkl' holds a str"):
        ds.load_file(tmp_path / "str.pkl")
    (tmp_path / "trunc.pkl").write_bytes(pickle.dumps((x, y))[:-10])
    with pytest.raises(ValueError, match=r"'trunc.pkl' is not a readable pickle"):
        ds.load_file(tmp_path / "trunc.pkl")


class _Exploit:
    """Unpickling this would run a shell command (os.system)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _EvalExploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (eval, (f"open({str(self.marker)!r}, 'w').close()",))


@pytest.mark.parametrize("exploit", [_Exploit, _EvalExploit])
@pytest.mark.parametrize("protocol", [0, 2, 5])
def test_malicious_pickle_is_refused_and_never_runs(tmp_path, exploit, protocol):
    marker = tmp_path / "pwned"
    payload = pickle.dumps((np.zeros((2, 2)), exploit(marker)), protocol=protocol)
    (tmp_path / "evil.pkl").write_bytes(payload)
    with pytest.raises(ValueError, match=r"refusing to load file 'evil.pkl'"):
        ds.load_file(tmp_path / "evil.pkl")
    assert not marker.exists(), "the pickle's payload ran"
    # the same file without the .pkl suffix is still recognised (by its protocol byte) and refused
    if protocol >= 2:
        (tmp_path / "evil.bin").write_bytes(payload)
        with pytest.raises(ValueError, match="refusing to load"):
            ds.load_file(tmp_path / "evil.bin")
    assert not marker.exists()


class _PlainRecord:
    """An ordinary class: unpickling it would import test code, so it is refused too."""

    def __init__(self):
        self.x = np.zeros(3)


def test_pickled_custom_class_is_refused(tmp_path):
    (tmp_path / "cls.pkl").write_bytes(pickle.dumps(_PlainRecord()))
    with pytest.raises(ValueError, match=r"refusing to load .*_PlainRecord"):
        ds.load_file(tmp_path / "cls.pkl")


# ----------------------------------------------------------------------------- presets

@pytest.mark.parametrize("shape", [(7, 7), (10, 12), (30, 28), (3, 3), (5, 9)])
def test_preset_letters_fit_the_grid(shape):
    pats, names = ds.preset_patterns("letters", shape)
    assert pats.shape == (len(names),) + shape and pats.dtype == np.uint8
    assert set(np.unique(pats)) <= {0, 1}
    side = min(shape)
    if side >= 7:
        size = 7 * (side // 7)
        assert names == [chr(ord("A") + i) for i in range(26)]
        assert pats[0].sum() == ds.letters("A", size).sum()
    else:
        assert names == ds.letter_names(3)
        assert pats[:, :3, :3].sum() + pats[:, 1:, 1:].sum() > 0


def test_preset_letters_are_centred_exactly():
    pats, _ = ds.preset_patterns("letters", (9, 11))
    np.testing.assert_array_equal(pats[0, 1:8, 2:9], ds.letters("A")[0])
    assert pats[0].sum() == ds.letters("A")[0].sum()


def test_preset_digits():
    pats, names = ds.preset_patterns("digits", (16, 16))
    assert pats.shape == (10, 16, 16) and names == [str(d) for d in range(10)]
    x, y = ds.load_digits_8x8()
    first = [int(np.flatnonzero(y == d)[0]) for d in range(10)]
    np.testing.assert_array_equal(pats[:, ::2, ::2], (x[first] >= 8).astype(np.uint8))
    small, _ = ds.preset_patterns("digits", (6, 6))
    assert small.shape == (10, 6, 6) and small.sum() > 0


def test_preset_mnist_is_binarised_like_the_seeds():
    pats, names = ds.preset_patterns("mnist", (28, 28))
    x, y = ds.load_mnist("train")
    first = [int(np.flatnonzero(y == d)[0]) for d in range(10)]
    np.testing.assert_array_equal(pats, (x[first] > 0).astype(np.uint8))
    assert names == [str(d) for d in range(10)]
    big, _ = ds.preset_patterns("mnist", (56, 56))
    np.testing.assert_array_equal(big[:, ::2, ::2], pats)
    small, _ = ds.preset_patterns("mnist", (14, 20))
    assert small.shape == (10, 14, 20) and set(np.unique(small)) == {0, 1}
    # roughly the same ink fraction after shrinking
    np.testing.assert_allclose(small.mean(), pats.mean(), atol=0.05)


@pytest.mark.parametrize("name,shape,msg", [("faces", (7, 7), "name"), ("letters", (2, 9), "too small"),
                                            ("letters", (7,), "shape"), ("mnist", (0, 5), "shape"),
                                            ("digits", (5.5, 5), "shape"), ("mnist", None, "shape")])
def test_preset_bad_arguments(name, shape, msg):
    with pytest.raises(ValueError, match=msg):
        ds.preset_patterns(name, shape)


# --- added by harness: .npy files (issue 16's rerun: a valid .npy was refused as "not a recognised data file")

def test_load_file_reads_an_npy_and_refuses_a_lying_or_pickled_one(tmp_path):
    x = np.arange(12.0).reshape(3, 4)
    np.save(tmp_path / "x.npy", x)
    got, y = ds.load_file(tmp_path / "x.npy")
    assert np.array_equal(got, x) and y is None
    head = (tmp_path / "x.npy").read_bytes()[:128]   # the header alone: declares (3, 4), holds nothing
    (tmp_path / "cut.npy").write_bytes(head)
    with pytest.raises(ValueError, match=r"'cut.npy' declares shape \(3, 4\) \(96 bytes\) but holds 0 bytes"):
        ds.load_file(tmp_path / "cut.npy")
    np.save(tmp_path / "obj.npy", np.array([{}, []], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="'obj.npy' holds Python objects; refused"):
        ds.load_file(tmp_path / "obj.npy")
