"""Package-level promises: fast, light import; CLI help without heavy packages."""

import subprocess
import sys

HEAVY = ("open3d", "trimesh", "sklearn")


def test_import_footfit_is_light():
    code = "import sys, footfit; print(','.join(m for m in %r if m in sys.modules))" % (HEAVY,)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_cli_help_does_not_import_heavy_packages():
    code = (
        "import sys\n"
        "from footfit.cli import main\n"
        "rc = main(['--help'])\n"
        "print('HEAVY:' + ','.join(m for m in %r if m in sys.modules))\n"
        "sys.exit(rc)\n" % (HEAVY,)
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
