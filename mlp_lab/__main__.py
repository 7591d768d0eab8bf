"""`python -m mlp_lab`: the command line."""

import sys

from mlp_lab.cli import main

sys.exit(main())
