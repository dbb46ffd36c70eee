"""The processing line imports no scipy (#21): ~0.45 s of a fresh process went to it.

Hulls, neighbour searches and grid morphology on the line are footfit._core's numpy
versions (tested equal to scipy in test_core_hull_grid.py and test_core_morphology.py);
scipy stays a dependency of the other paths (synthetic scans, meshes).
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Modules a default ``footfit process`` must not import (numpy.f2py and numpy.testing are
#: what scipy's array-API shim pulled in).
BANNED = ("scipy", "numpy.f2py", "numpy.testing")

_CHECK = (
    "import sys\n"
    "bad = sorted(m for m in sys.modules if any(m == b or m.startswith(b + '.') for b in {b!r}))\n"
    "print('BANNED:' + ','.join(bad))\n"
)


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1]


def _scans() -> list:
    from conftest import _realscans_dir

    scans = [ROOT / "sample_scans" / "demo_right_m.ply",
             ROOT / "footfit" / "data" / "samples" / "demo_two_feet.ply",
             # no floor: the up direction comes from the 3-D hull (clean/up.py)
             ROOT / "sample_scans" / "right_f_normal_nofloor.pcd"]
    real = _realscans_dir() / "orbbec-6view" / "left.asc"
    scans.append(pytest.param(real, marks=pytest.mark.skipif(not real.exists(),
                                                             reason="no ../shared/realscans")))
    return scans


@pytest.mark.parametrize("scan", _scans())
def test_cli_process_imports_no_scipy(scan, tmp_path):
    args = ["process", str(scan), "--json", "--output", str(tmp_path / "r.json")]
    code = ("from footfit.app.cli import main\n"
            f"rc = main({args!r})\n"
            "assert rc == 0, rc\n" + _CHECK.format(b=BANNED))
    assert _run(code) == "BANNED:"
    assert (tmp_path / "r.json").stat().st_size > 1000  # the scan was processed, fit on


def test_footfitter_process_imports_no_scipy():
    scan = ROOT / "sample_scans" / "demo_right_m.ply"
    code = ("from footfit import FootFitter\n"
            f"rep = FootFitter().process({str(scan)!r})\n"
            "assert rep.feet and rep.feet[0].fit is not None\n" + _CHECK.format(b=BANNED))
    assert _run(code) == "BANNED:"


def test_the_check_sees_scipy():
    """The check itself can fail: a process that imports scipy.spatial is caught."""
    code = "import scipy.spatial\n" + _CHECK.format(b=BANNED)
    banned = _run(code).removeprefix("BANNED:").split(",")
    assert "scipy" in banned and "scipy.spatial" in banned
