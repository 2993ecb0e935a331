"""Hostile and damaged files (issue 16): a small file never costs a large allocation, and every refusal
is a ValueError naming the file and the entry. Peak memory is measured in a fresh subprocess."""
from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from engine import archive, datasets
from tests.engine.npz_files import npy_bytes, zip_bytes

REPO = Path(__file__).resolve().parents[2]


def _peak_mb_of_load(code_line: str, path: Path) -> tuple[float, str]:
    """Run ``code_line`` (with ``p`` the path) in a new interpreter; (growth of peak RSS in MB, error text)."""
    code = textwrap.dedent(f"""
        import json, resource, sys
        from pathlib import Path
        import numpy as np
        from engine import datasets, io as eio
        p = Path({str(path)!r})
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        err = ""
        try:
            {code_line}
        except ValueError as exc:
            err = str(exc)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({{"mb": (peak - base) / 1024, "err": err}}))
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    return out["mb"], out["err"]


def _idx_header(dims, code=0x08) -> bytes:
    return bytes([0, 0, code, len(dims)]) + b"".join(int(d).to_bytes(4, "big") for d in dims)


def _gzip_stream(chunks) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as g:
        for c in chunks:
            g.write(c)
    return buf.getvalue()


def test_a_gzip_bomb_behind_an_mnist_header_is_refused_at_the_declared_size(tmp_path):
    # an MNIST-sized header (47 MB declared) followed by 1 GB of zeros: ~1 MB on disk
    zeros = bytes(1 << 24)
    bomb = tmp_path / "train-images-idx3-ubyte.gz"
    bomb.write_bytes(_gzip_stream([_idx_header((60000, 28, 28))] + [zeros] * 64))
    assert bomb.stat().st_size < 3_000_000
    mb, err = _peak_mb_of_load("datasets.load_file(p)", bomb)
    assert "inflates to more than 47,040,016 bytes" in err and "refused" in err
    assert mb < 2 * bomb.stat().st_size / 1e6 + 100, f"refusing cost {mb:.0f} MB"


def test_a_declared_size_beyond_the_limit_is_refused_before_inflating(tmp_path):
    f = tmp_path / "huge.idx3-ubyte.gz"
    f.write_bytes(_gzip_stream([_idx_header((100000, 1000, 1000)), bytes(1000)]))
    mb, err = _peak_mb_of_load("datasets.load_file(p)", f)
    assert "declares 100,000,000,016 bytes of data" in err and "refused before reading it" in err
    assert mb < 50
    plain = tmp_path / "huge.idx3-ubyte"
    plain.write_bytes(_idx_header((100000, 1000, 1000)) + bytes(1000))
    with pytest.raises(ValueError, match="declares 100,000,000,016 bytes of data"):
        datasets.load_file(plain)


def test_any_small_gzip_needs_no_large_reservation(tmp_path):
    """The old reader reserved 4 GiB for every .gz: a valid 1 KB file failed under a 3 GiB address limit."""
    images = (np.arange(20 * 4 * 4) % 251).astype(np.uint8).reshape(20, 4, 4)
    f = tmp_path / "tiny-images-idx3-ubyte.gz"
    f.write_bytes(_gzip_stream([_idx_header((20, 4, 4)), images.tobytes()]))
    code = ("import resource; resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30)); "
            "x, y = datasets.load_file(p); print(x.shape)")
    mb, err = _peak_mb_of_load(code, f)
    assert err == "" and mb < 50


def test_a_gzip_of_something_else_is_refused_at_once(tmp_path):
    f = tmp_path / "zeros.gz"
    f.write_bytes(_gzip_stream([bytes(1 << 24)] * 32))
    with pytest.raises(ValueError, match="is a gzip file, but what it holds is not a recognised data file"):
        datasets.load_file(f)


def test_an_unused_large_member_of_a_data_npz_is_never_inflated(tmp_path):
    f = tmp_path / "data.npz"
    x, y = np.ones((10, 4)), np.arange(10)
    f.write_bytes(zip_bytes({"x.npy": npy_bytes(x), "y.npy": npy_bytes(y), "junk.npy": npy_bytes(np.zeros(100_000_000))}))
    assert f.stat().st_size < 3_000_000
    mb, err = _peak_mb_of_load("x, y = datasets.load_file(p); assert x.shape == (10, 4)", f)
    assert err == "" and mb < 100, f"{mb:.0f} MB: the unused member was inflated"


def test_a_member_whose_header_lies_about_its_shape_is_refused_before_allocating(tmp_path):
    f = tmp_path / "lying.npz"
    # a version-1.0 .npy header declaring 8 TB of float64, then 32 bytes of data
    d = repr({"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)}).encode()
    body = d + b" " * (64 - (10 + len(d) + 1) % 64) + b"\n"
    lying = b"\x93NUMPY\x01\x00" + len(body).to_bytes(2, "little") + body + bytes(32)
    f.write_bytes(zip_bytes({"x.npy": lying}))
    mb, err = _peak_mb_of_load("datasets.load_file(p)", f)
    assert "entry 'x.npy' declares shape (1000000, 1000000)" in err and "holds 32 bytes" in err
    assert mb < 50


def test_gunzip_checks_truncation_and_members(tmp_path):
    stream = _gzip_stream([b"PK" + bytes(100)])
    with pytest.raises(ValueError, match="corrupt or truncated gzip"):
        archive.gunzip(stream[:-12], "f", lambda head: 1000)
    with pytest.raises(ValueError, match="holds several gzip members"):
        archive.gunzip(stream + stream, "f", lambda head: 1000)
    assert archive.gunzip(stream, "f", lambda head: 102) == b"PK" + bytes(100)
    with pytest.raises(ValueError, match="inflates to more than 50 bytes"):
        archive.gunzip(stream, "f", lambda head: 50)
