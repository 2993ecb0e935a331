"""Data sets and pattern sources: letters, scikit-learn toys, MNIST and user files.

No Qt here. Every loader validates what it reads and raises ``ValueError`` naming the
argument or the file and what is wrong with it.
"""
from __future__ import annotations

import numpy as np

# --------------------------------------------------------------------------- letters

# The 3x3 letters exactly as the seeds write them (seed 000: the Hebb / perceptron
# examples use T, U, C; "10.Boltzmann.py" uses T, U, L, H), row-major.
_LETTERS_3X3 = {
    "T": (1, 1, 1, 0, 1, 0, 0, 1, 0),
    "U": (1, 0, 1, 1, 0, 1, 1, 1, 1),
    "C": (1, 1, 1, 1, 0, 0, 1, 1, 1),
    "L": (1, 0, 0, 1, 0, 0, 1, 1, 1),
    "H": (1, 0, 1, 1, 1, 1, 1, 0, 1),
}

# A hand-drawn 7x7 alphabet: '#' is ink. Drawn to stay readable and mutually distinct
# (pairwise Hamming distance >= 5, checked by the tests).
_GLYPHS_7X7_ART = {
    "A": """
..###..
.#...#.
#.....#
#######
#.....#
#.....#
#.....#""",
    "B": """
######.
#.....#
#.....#
######.
#.....#
#.....#
######.""",
    "C": """
.#####.
#......
#......
#......
#......
#......
.#####.""",
    "D": """
#####..
#....#.
#.....#
#.....#
#.....#
#....#.
#####..""",
    "E": """
#######
#......
#......
#####..
#......
#......
#######""",
    "F": """
#######
#......
#......
####...
#......
#......
#......""",
    "G": """
.#####.
#......
#......
#..####
#.....#
#.....#
.#####.""",
    "H": """
#.....#
#.....#
#.....#
#######
#.....#
#.....#
#.....#""",
    "I": """
.#####.
...#...
...#...
...#...
...#...
...#...
.#####.""",
    "J": """
..#####
.....#.
.....#.
.....#.
#....#.
#....#.
.####..""",
    "K": """
#....#.
#...#..
#..#...
###....
#..#...
#...#..
#....#.""",
    "L": """
#......
#......
#......
#......
#......
#......
#######""",
    "M": """
##...##
#.#.#.#
#..#..#
#.....#
#.....#
#.....#
#.....#""",
    "N": """
#.....#
##....#
#.#...#
#..#..#
#...#.#
#....##
#.....#""",
    "O": """
.#####.
#.....#
#.....#
#.....#
#.....#
#.....#
.#####.""",
    "P": """
######.
#.....#
#.....#
######.
#......
#......
#......""",
    "Q": """
.#####.
#.....#
#.....#
#.....#
#...#.#
#....#.
.####.#""",
    "R": """
######.
#.....#
#.....#
#####..
#..#...
#...#..
#....##""",
    "S": """
.######
#......
#......
.#####.
......#
......#
######.""",
    "T": """
#######
...#...
...#...
...#...
...#...
...#...
...#...""",
    "U": """
#.....#
#.....#
#.....#
#.....#
#.....#
#.....#
.#####.""",
    "V": """
#.....#
#.....#
#.....#
.#...#.
.#...#.
..#.#..
...#...""",
    "W": """
#.....#
#.....#
#.....#
#..#..#
#..#..#
#.#.#.#
.#...#.""",
    "X": """
#.....#
.#...#.
..#.#..
...#...
..#.#..
.#...#.
#.....#""",
    "Y": """
#.....#
.#...#.
..#.#..
...#...
...#...
...#...
...#...""",
    "Z": """
#######
.....#.
....#..
...#...
..#....
.#.....
#######""",
    "0": """
.#####.
#....##
#...#.#
#..#..#
#.#...#
##....#
.#####.""",
    "1": """
...#...
..##...
.#.#...
...#...
...#...
...#...
.#####.""",
    "2": """
.#####.
#.....#
......#
....##.
..##...
.#.....
#######""",
    "3": """
######.
......#
......#
..####.
......#
......#
######.""",
    "4": """
....##.
...#.#.
..#..#.
.#...#.
#######
.....#.
.....#.""",
    "5": """
#######
#......
######.
......#
......#
#.....#
.#####.""",
    "6": """
..####.
.#.....
#......
######.
#.....#
#.....#
.#####.""",
    "7": """
#######
......#
.....#.
....#..
...#...
...#...
...#...""",
    "8": """
.#####.
#.....#
#.....#
..###..
#.....#
#.....#
.#####.""",
    "9": """
.#####.
#.....#
#.....#
.######
......#
.....#.
.####..""",
}


def _parse_glyph(name: str, art: str) -> np.ndarray:
    rows = [r for r in art.strip("\n").split("\n")]
    if len(rows) != 7 or any(len(r) != 7 or set(r) - {"#", "."} for r in rows):
        raise RuntimeError(f"glyph {name!r} is not 7x7 '#'/'.' art")  # a source bug, not user input
    return np.array([[c == "#" for c in r] for r in rows], dtype=np.uint8)


_LETTERS_7X7 = {k: _parse_glyph(k, v) for k, v in _GLYPHS_7X7_ART.items()}
_MAX_LETTER_SIZE = 63


def _check_letter_size(size) -> int:
    ok = f"3 or a multiple of 7 from 7 to {_MAX_LETTER_SIZE}"
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise ValueError(f"size must be an integer ({ok}), got {size!r}")
    size = int(size)
    if size != 3 and not (size % 7 == 0 and 7 <= size <= _MAX_LETTER_SIZE):
        raise ValueError(f"size {size} is not available; sizes are {ok}")
    return size


def letter_names(size: int = 7) -> list[str]:
    """The characters ``letters`` can draw at ``size`` (3: the seeds' T U C L H; 7k: A–Z, 0–9)."""
    size = _check_letter_size(size)
    return list(_LETTERS_3X3) if size == 3 else list(_LETTERS_7X7)


def letters(text: str, size: int = 7) -> np.ndarray:
    """Letters of ``text`` as binary images, shape (len(text), size, size), uint8 0/1.

    size 3 gives the seeds' 3x3 letters; size 7 the hand-drawn alphabet; multiples of 7
    up to 63 upscale it by nearest neighbour. Lower-case letters are drawn as upper-case.
    """
    size = _check_letter_size(size)
    if not isinstance(text, str):
        raise ValueError(f"text must be a str, got {type(text).__name__}")
    if not text:
        raise ValueError("text is empty; give at least one character")
    table = _LETTERS_3X3 if size == 3 else _LETTERS_7X7
    missing = sorted({c for c in text.upper() if c not in table})
    if missing:
        raise ValueError(f"text has characters {''.join(missing)!r} not available at size {size}; "
                         f"available: {''.join(table)}")
    if size == 3:
        return np.array([np.array(table[c], dtype=np.uint8).reshape(3, 3) for c in text.upper()],
                        dtype=np.uint8)
    out = np.stack([table[c] for c in text.upper()]).astype(np.uint8)
    factor = size // 7
    if factor > 1:
        out = np.repeat(np.repeat(out, factor, axis=1), factor, axis=2)
    return np.ascontiguousarray(out, dtype=np.uint8)
