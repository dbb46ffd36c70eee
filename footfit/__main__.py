"""Allow ``python -m footfit``."""

import sys

from footfit.cli import main

sys.exit(main())
