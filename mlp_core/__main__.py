"""`python -m mlp_core`: the command line moved to the mlp_lab package.

mlp_core is the engine, a leaf that imports nothing of ours (the command line needs the
fast back-end and mlp_digits), so this only says where the commands went.
"""

import shlex
import sys

print(
    "the command line moved: python -m mlp_lab " + (shlex.join(sys.argv[1:]) or "--help"),
    file=sys.stderr,
)
sys.exit(2)
