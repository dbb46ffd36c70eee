"""Run footfit's benchmarks and write the results (same as ``footfit bench``).

Usage::

    .venv/bin/python benchmarks/run.py [--sizes 50k,200k,1M] [--repeat 7] [--out FILE]

Writes JSON (default ``bench_results/latest.json``) and prints the table that the README's
performance section shows.
"""

import sys

from footfit.app.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
