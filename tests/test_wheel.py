"""The built wheel works on its own: tables, demo scan and schema are inside the package.

Builds the wheel with ``pip wheel``, installs it (no dependencies) into a fresh virtual
environment that sees the test environment's numpy/scipy/trimesh/open3d through a ``.pth``
line but not the source tree, and runs ``footfit demo``, ``footfit size 260`` and the README's
library snippet from an empty folder. This is how a kiosk app installs footfit.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_SKIP = shutil.ignore_patterns(".venv*", ".git", "build", "dist", "*.egg-info", "__pycache__",
                               ".pytest_cache", ".ruff_cache", "bench_results", "out")


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def _readme_library_snippet() -> str:
    """The Python blocks of the README's "The library" section, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### The library", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "README has no ```python block under '### The library'"
    return "\n".join(blocks)


@pytest.mark.slow
def test_wheel_installs_and_runs_without_the_source_tree(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "FOOTFIT_MODELS", "PYTHONHOME")}
    # 1. build from a copy of the project, so nothing outside what the wheel holds can leak in
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=_SKIP)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", str(src), "-w", str(dist), "--no-deps", "-q"],
         cwd=tmp_path, env=env)
    wheels = list(dist.glob("footfit-*.whl"))
    assert len(wheels) == 1, wheels
    shutil.rmtree(src)

    # 2. a fresh environment; the dependencies come from this one through a .pth line (a
    # path line adds the folder but runs none of its .pth files, so footfit's editable hook
    # stays out)
    venv = tmp_path / "env"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path, env=env)
    py = venv / "bin" / "python"
    purelib = _run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                   cwd=tmp_path, env=env).strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "_footfit_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    _run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheels[0])],
         cwd=tmp_path, env=env)

    run = tmp_path / "run"
    run.mkdir()
    where = _run([str(py), "-c", "import footfit; print(footfit.__file__)"], cwd=run, env=env)
    assert Path(where.strip()).is_relative_to(venv), where  # the installed copy, not the tree

    # 3. the three things a newcomer does first
    footfit = str(venv / "bin" / "footfit")
    demo = _run([footfit, "demo"], cwd=run, env=env)
    assert "left" in demo and "right" in demo, demo
    size = _run([footfit, "size", "260"], cwd=run, env=env)
    assert "EU" in size or "eu" in size, size
    sample = _run([str(py), "-c", "from footfit._data import demo_scan_path; "
                   "print(demo_scan_path())"], cwd=run, env=env).strip()
    assert Path(sample).is_relative_to(venv), sample
    shutil.copy(sample, run / "scan.ply")
    _run([str(py), "-c", _readme_library_snippet()], cwd=run, env=env)
    assert (run / "last.stl").stat().st_size > 0  # the snippet's mesh.export("last.stl")
