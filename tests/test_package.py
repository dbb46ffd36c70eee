"""Package-level promises: fast, light import; CLI help without heavy packages."""

import subprocess
import sys

HEAVY = ("open3d", "trimesh", "sklearn")


def test_import_footfit_is_light():
    code = f"import sys, footfit; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_cli_help_does_not_import_heavy_packages():
    code = (
        "import sys\n"
        "from footfit.app.cli import main\n"
        "rc = main(['--help'])\n"
        f"print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
        "sys.exit(rc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "exit codes" in out.stdout
    assert out.stdout.strip().endswith("HEAVY:")


def test_all_is_sorted_and_exported():
    import footfit

    names = [n for n in footfit.__all__ if n != "__version__"]
    assert names == sorted(names)
    for name in footfit.__all__:
        assert hasattr(footfit, name), name


def test_import_footfit_imports_no_third_party_package():
    names = ("numpy", "scipy", *HEAVY)
    code = f"import sys, footfit; print(','.join(m for m in {names!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_lazy_public_names_resolve_to_their_modules():
    import importlib

    import footfit

    lazy = footfit._LAZY
    public = set(footfit.__all__) - {"__version__"}
    eager = {"DegenerateScanError", "FootfitError", "InvalidMeasurementError",
             "InvalidScanError", "NotFittedError"}
    assert set(lazy) == public - eager
    for name, where in lazy.items():
        module = importlib.import_module(where, "footfit")
        assert getattr(footfit, name) is getattr(module, name), name
    assert set(footfit.__all__) <= set(dir(footfit))
    # `from footfit import X` and the submodules as attributes
    from footfit import FootFitter, process  # noqa: F401

    assert footfit.report.SCHEMA_VERSION
    assert footfit.sizes.compute_sizes is footfit.compute_sizes
    try:
        footfit.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("unknown attribute did not raise")
    assert not hasattr(footfit, "_no_such_private")


def test_process_path_does_not_import_sklearn_or_heavy_packages(tmp_path):
    """The fitting line needs numpy and scipy only (scikit-learn cost ~0.8 s per process)."""
    from pathlib import Path

    scan = Path(__file__).resolve().parent.parent / "sample_scans" / "demo_right_m.ply"
    args = ["process", str(scan), "--json", "--output", str(tmp_path / "r.json")]
    code = (
        "import sys\n"
        "from footfit.app.cli import main\n"
        f"rc = main({args!r})\n"
        f"print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
        "sys.exit(rc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("HEAVY:")
