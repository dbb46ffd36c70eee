"""Allow ``python -m footfit``."""

import sys

from footfit.app.cli import main

sys.exit(main())
