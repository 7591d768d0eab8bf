"""`python -m mlp_core`: the command line."""

import sys

from mlp_core.cli import main

sys.exit(main())
