"""PyInstaller entry point: the installed ``hebbgui`` command, frozen."""
import multiprocessing
import sys

import hebbgui.app

if __name__ == "__main__":
    # A frozen app starts its multiprocessing children (joblib, dask, concurrent.futures) by running
    # its own executable again; on Windows and macOS (spawn) freeze_support() turns such a start into
    # the child instead of a second window. A no-op on Linux and in a plain Python.
    multiprocessing.freeze_support()
    sys.exit(hebbgui.app.main())
