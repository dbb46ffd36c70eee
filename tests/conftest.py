"""Shared fixtures: seeds, the real-scan folder, the bundled samples."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from footfit.tol import tol

# the records fixtures (a throwaway PostgreSQL server, fresh databases): db_url, postgres_server
pytest_plugins = ["records_support"]

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_scans"


def _realscans_dir() -> Path:
    env = os.environ.get("FOOTFIT_REALSCANS")
    return Path(env) if env else ROOT.parent / "shared" / "realscans"


#: Tests of the default run that take many seconds each (measured with
#: ``pytest -m "not slow" --durations`` on the shared 2-core machine): marked ``slow`` here, in
#: one place, so ``pytest -m "not slow"`` stays well under 5 minutes. CI (``.ci/run`` ->
#: ``bash dev.sh test`` -> plain ``pytest``) still runs them. A test id here that no longer
#: exists fails the session (``test_slow_list_names_existing_tests``).
SLOW_TESTS: dict[str, str] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark the tests of :data:`SLOW_TESTS` ``slow``."""
    for item in items:
        if item.nodeid in SLOW_TESTS or item.nodeid.split("[")[0] in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True, scope="session")
def _strict_tolerances():
    """Turn on footfit's internal self-checks for the whole test session."""
    old = tol.strict
    tol.strict = True
    yield
    tol.strict = old


@pytest.fixture(autouse=True, scope="session")
def _english_words():
    """Tests read English text whatever the developer's locale (LANG=zh_CN gives zh words);
    the tests of the Chinese words ask for lang="zh". Subprocesses inherit it.
    """
    old = os.environ.get("FOOTFIT_LANG")
    os.environ["FOOTFIT_LANG"] = "en"
    yield
    if old is None:
        os.environ.pop("FOOTFIT_LANG", None)
    else:
        os.environ["FOOTFIT_LANG"] = old


@pytest.fixture
def seed() -> int:
    """Random seed: 0 by default; ``FOOTFIT_SEED=N`` sweeps it (tests pass for 0-99)."""
    return int(os.environ.get("FOOTFIT_SEED", "0"))


@pytest.fixture
def rng(seed):
    return np.random.default_rng(seed)


@pytest.fixture(scope="session")
def realscans() -> Path:
    """Path of ``../shared/realscans`` (or ``$FOOTFIT_REALSCANS``); skip when absent."""
    path = _realscans_dir()
    if not path.is_dir():
        pytest.skip(f"real scans not available at {path}")
    return path


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES
