"""`python -m autodiff`: see autodiff.cli."""

import sys

from autodiff.cli import main

if __name__ == "__main__":
    for stream in (sys.stdout, sys.stderr):  # a name or path from odd bytes is shown escaped
        stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    sys.exit(main())
