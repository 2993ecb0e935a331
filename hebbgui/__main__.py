import sys

from hebbgui.app import main

sys.exit(main())
