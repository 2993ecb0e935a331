"""engine/interrupt.py: a stop request ends a step at its next chunk, leaving a whole state (issue 16.1)."""
import threading

import pytest

from engine import interrupt


def test_check_raises_only_while_the_watched_flag_is_set():
    flag = threading.Event()
    interrupt.check()                       # no flag watched: never raises
    with interrupt.watching(flag):
        interrupt.check()
        assert not interrupt.requested()
        flag.set()
        assert interrupt.requested()
        with pytest.raises(interrupt.StepInterrupted):
            interrupt.check()
    interrupt.check()                       # the block is left: the flag is no longer watched
    assert not interrupt.requested()


def test_the_flag_is_watched_per_thread():
    """One engine thread's stop request (a window closing) never interrupts another thread's step."""
    flag = threading.Event()
    flag.set()
    seen = []

    def other():
        try:
            interrupt.check()
            seen.append("ran on")
        except interrupt.StepInterrupted:
            seen.append("interrupted")

    with interrupt.watching(flag):
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen == ["ran on"]


def test_watching_nests_and_restores_the_outer_flag():
    outer, inner = threading.Event(), threading.Event()
    outer.set()
    with interrupt.watching(outer):
        with interrupt.watching(inner):
            interrupt.check()
        with pytest.raises(interrupt.StepInterrupted):
            interrupt.check()
