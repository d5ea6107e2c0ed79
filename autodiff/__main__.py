"""`python -m autodiff`: see autodiff.cli."""

import sys

from autodiff.cli import main

if __name__ == "__main__":
    sys.exit(main())
