"""`python -m iamsim`: the command line (exit codes: 0 allowed, 1 denied, 2 bad input)."""

import sys

from iamsim.cli import main

if __name__ == "__main__":
    sys.exit(main())
