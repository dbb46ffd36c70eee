"""The Examples sections of footfit's docstrings run and print what they say (STYLE.md 14)."""

from __future__ import annotations

import doctest
import importlib
import io
import pkgutil

import pytest

import footfit

#: Modules whose examples are known to be out of date, with the reason; remove on fixing.
KNOWN_STALE: dict[str, str] = {}  # module -> why its examples are skipped (none now)
MODULES = sorted(m.name for m in pkgutil.walk_packages(footfit.__path__, "footfit.")
                 if m.name != "footfit.__main__")


@pytest.mark.parametrize("name", ["footfit", *MODULES])
def test_docstring_examples(name):
    if name in KNOWN_STALE:
        pytest.skip(KNOWN_STALE[name])
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out = io.StringIO()
    for test in doctest.DocTestFinder().find(module, name):
        runner.run(test, out=out.write)
    assert runner.failures == 0, out.getvalue()[-4000:]
