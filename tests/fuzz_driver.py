"""Run ``footfit process`` on many files in one process, as the CLI would, one JSON line each.

Used by ``tests/test_fuzz.py`` in subprocesses (a few hundred files per interpreter start,
instead of one start per file). Before each file it prints ``{"start": path}`` so that, if
the process dies by a signal, the parent knows which file did it. Each result line holds the
exit code ``main`` returned, what it wrote to stderr, whether an exception escaped it (what
would have been a traceback), the seconds taken and the process's peak RSS so far.

    python tests/fuzz_driver.py FILE...
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import sys
import time
import traceback

#: A safety net only (the fuzz test asserts on the peak RSS): a memory bomb ends as a
#: MemoryError in the record instead of taking the machine down.
AS_LIMIT = 6 << 30


def main(paths: list[str]) -> int:
    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))
    from footfit.app.cli import main as cli_main

    out = sys.stdout
    for path in paths:
        out.write(json.dumps({"start": path}) + "\n")
        out.flush()
        err, sink = io.StringIO(), io.StringIO()
        escaped = None
        t0 = time.perf_counter()
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(sink):
                code = cli_main(["process", path])
        except BaseException as exc:  # noqa: BLE001 - what escapes is what we look for
            code = None
            escaped = "".join(traceback.format_exception(exc))[-2000:]
        rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        out.write(json.dumps({"path": path, "code": code, "stderr": err.getvalue(),
                              "escaped": escaped, "seconds": time.perf_counter() - t0,
                              "rss_mb": rss_kb / 1024}) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
