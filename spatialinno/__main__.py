"""``python -m spatialinno``: the command line (same as the ``spatialinno`` console script)."""

import sys

from .cli.main import main

if __name__ == "__main__":
    sys.exit(main())
