"""PyInstaller entry point: the installed ``hebbgui`` command, frozen."""
import sys

import hebbgui.app

if __name__ == "__main__":
    sys.exit(hebbgui.app.main())
