"""明厨亮灶监管工作台 — entry point. `python main.py --help` lists the commands."""

import sys

from desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())
