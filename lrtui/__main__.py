"""`python -m lrtui` runs the same command line as `lrtui`."""

import sys

from lrtui.cli import main

sys.exit(main())
