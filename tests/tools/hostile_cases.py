"""Cases that hang and crash, for the harness's own test (tests/tools/test_reliability.py)."""
import os
import time

from tools.reliability.core import Case


def _crash(tmp):
    os._exit(134)


def _clear(tmp):
    raise ValueError("rows must be ≥ 1, got 0")


def cases(quick: bool = False) -> list[Case]:
    return [Case("hang", lambda tmp: time.sleep(600), timeout=3), Case("fine", lambda tmp: None, "ok"),
            Case("crash", _crash), Case("clear", _clear, "refuse", ("rows",))]
