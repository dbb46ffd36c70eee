"""What isolating each upload in a worker process costs the kiosk service (issue #16).

Usage::

    .venv/bin/python benchmarks/service_isolation.py [--requests 15]

Serves the demo scan through a real uvicorn server twice, with worker processes
(``ServiceConfig(isolate=True)``, the default) and with the fitter in the server's threads,
and prints the median and minimum request time of each and the median difference, as JSON.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def main() -> int:
    """Time uploads to the service with each scan isolated in a worker; print the medians."""
    from test_service import _demo_scan, _post, _serve

    from footfit.app.service import ServiceConfig, create_app
    from footfit.pipeline import FootFitter

    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=15)
    args = ap.parse_args()
    scan = _demo_scan()
    data = scan.read_bytes()
    out: dict = {"scan": scan.name, "requests": args.requests}
    times = {}
    for isolate in (True, False):
        app = create_app(None if isolate else FootFitter(),
                         config=ServiceConfig(workers=1, isolate=isolate))
        with _serve(app) as url:
            for _ in range(3):  # warm up
                assert _post(url, scan.name, data)[0] == 200
            ts = []
            for _ in range(args.requests):
                t0 = time.perf_counter()
                assert _post(url, scan.name, data)[0] == 200
                ts.append(time.perf_counter() - t0)
        key = "isolated" if isolate else "in_process"
        times[key] = ts
        out[key] = {"median_ms": round(1e3 * statistics.median(ts), 1),
                    "min_ms": round(1e3 * min(ts), 1)}
    out["added_median_ms"] = round(out["isolated"]["median_ms"]
                                   - out["in_process"]["median_ms"], 1)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
