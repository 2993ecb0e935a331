"""``python -m tools.reliability [--quick] [--family NAME] [--out report.json]``: see README.md."""
import sys

from tools.reliability.runner import main

sys.exit(main())
