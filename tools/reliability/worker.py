"""The process that runs one family's cases: ``python -m tools.reliability.worker FAMILY [--quick]``.

It reads case indices from stdin, one a line, and answers each with one JSON line (an Outcome) on
the stdout it started with; what the code under test prints goes to stderr instead.
"""
from __future__ import annotations

import dataclasses
import json
import os
import sys
import tempfile
from pathlib import Path

from tools.reliability.core import execute, family_cases


def main(argv: list[str]) -> int:
    family, quick = argv[0], "--quick" in argv[1:]
    cases = family_cases(family, quick)
    if family == "sessions":
        # every model family imported first, as in a running app: a module's first import is not a
        # case's allocation
        from engine import registry
        for name in registry.names():
            registry.get(name)
    answer = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())   # prints of the code under test: not the protocol
    answer.write("ready\n")
    for line in sys.stdin:
        case = cases[int(line)]
        with tempfile.TemporaryDirectory(prefix="hebbgui-reliability-") as tmp:
            outcome = execute(case, Path(tmp))
        answer.write(json.dumps(dataclasses.asdict(outcome)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
