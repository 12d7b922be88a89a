"""明厨亮灶监管工作台 — entry point. `python main.py --help` lists the commands."""

import multiprocessing
import sys

from desktop.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the stream host is a spawned process; frozen builds need this
    sys.exit(main())
