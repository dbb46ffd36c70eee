"""The import layers of docs/architecture.md hold: `lint-imports` keeps every contract.

The contracts live in pyproject.toml ``[tool.importlinter]``: stages import downwards only,
no import cycles between sibling modules, private modules stay inside their package.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    if importlib.util.find_spec("importlinter") is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    code = ("import sys; from importlinter.cli import lint_imports; "
            "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, "
            "no_logo=True))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout, proc.stdout[-2000:]


def test_ruff_is_clean_with_numpydoc_complexity_and_import_rules():
    """ruff's selection in pyproject.toml (D numpydoc, C901 <= 12, TID absolute imports) holds."""
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def _code_lines(lines: list[str]) -> int:
    return sum(1 for line in lines if line.strip() and not line.strip().startswith("#"))


def test_functions_and_modules_stay_small():
    """No function over 80 lines of code (docstring excluded), no module over 600 lines."""
    import ast

    long_functions, long_modules = [], []
    for path in sorted((ROOT / "footfit").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        if len(lines) > 600:
            long_modules.append(f"{path.relative_to(ROOT)}: {len(lines)} lines")
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            body = node.body
            start = body[0].lineno
            if (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                start = body[0].end_lineno + 1
            n = _code_lines(lines[start - 1:node.end_lineno])
            if n > 80:
                long_functions.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {n}")
    assert not long_functions, long_functions
    assert not long_modules, long_modules


def test_deliberate_errors_are_footfit_errors():
    """exceptions.py promises every deliberate error is a FootfitError: no plain ValueError."""
    import re

    plain = re.compile(r"raise ValueError\(")
    found = [f"{path.relative_to(ROOT)}:{i}: {line.strip()}"
             for path in sorted((ROOT / "footfit").rglob("*.py"))
             for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if plain.search(line)]
    assert not found, found
