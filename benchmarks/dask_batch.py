"""Dask batch benchmark: LocalCluster against the local engine, and the scheduler's overhead.

LocalCluster (2 workers) vs the local engine (2 workers) on 48 scans, and the scheduler's
overhead per scan (see footfit/bench/dask_batch.py).

Usage::

    .venv/bin/python benchmarks/dask_batch.py [--repeat 3] [--scans 16] [--cache DIR]
                                              [--out bench_results/dask_batch.json]

``--scans`` distinct synthetic scans, three copies each (16 -> 48 scans). Prints a table and
writes the JSON results.
"""

import argparse
import json
import sys
from pathlib import Path

from footfit.bench.dask_batch import bench_dask_batch, format_dask_table


def main() -> int:
    """Run the benchmark with the command-line options; print the table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--scans", type=int, default=16)
    p.add_argument("--cache", default="bench_results/cache", help="folder for the scans")
    p.add_argument("--out", default="bench_results/dask_batch.json")
    args = p.parse_args()
    results = bench_dask_batch(Path(args.cache), n_scans=args.scans, repeat=args.repeat)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(format_dask_table(results))
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
