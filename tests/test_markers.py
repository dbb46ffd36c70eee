"""The central list of slow tests (tests/conftest.py) names tests that exist."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import SLOW_TESTS

TESTS = Path(__file__).resolve().parent


def test_slow_list_names_existing_tests():
    for nodeid, why in SLOW_TESTS.items():
        path, _, name = nodeid.partition("::")
        source = (TESTS.parent / path).read_text(encoding="utf-8")
        func = name.split("[")[0].split("::")[-1]
        assert re.search(rf"^\s*def {re.escape(func)}\(", source, re.M), nodeid
        assert why, f"{nodeid}: say why it is slow"
