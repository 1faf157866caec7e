"""Allow ``python -m ordercore``."""

import sys

from ordercore.cli import main

sys.exit(main())
