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
SLOW_TESTS: dict[str, str] = {
    "tests/test_fuzz.py::test_fuzz_corpus_keeps_the_cli_contract":
        "the CLI on ~250 fuzzed files (a subprocess each)",
    "tests/test_batch_dask.py::test_localcluster_records_equal_the_local_engine":
        "starts a real Dask LocalCluster",
    "tests/test_bench.py::test_bench_quick_runs_and_writes_json":
        "runs the quick benchmark end to end",
    "tests/test_service.py::test_sixteen_concurrent_uploads_match_the_library":
        "16 concurrent uploads to the real service",
    "tests/test_synth.py::test_population_feet_are_watertight_and_foot_shaped":
        "builds a population of meshes",
    "tests/test_synth.py::test_cli_synth_writes_scans_and_truth":
        "the synth CLI in a subprocess, meshes and scans",
    "tests/test_synth.py::test_model_is_deterministic_and_left_is_the_mirror":
        "builds four foot meshes",
    "tests/test_synth.py::test_arch_type_changes_the_contact_area":
        "a mesh per arch type",
    "tests/test_synth.py::test_truth_file_written_beside_the_scan":
        "mesh, scan and reference measurement",
    "tests/test_synth.py::test_reference_ignores_inverted_winding":
        "the exact-mesh reference twice",
    "tests/test_synth.py::test_toe_shape_is_built":
        "a mesh per toe shape",
    "tests/test_kiosk.py::test_kiosk_uploads_a_scan_and_shows_its_report":
        "a real browser processes a scan, per language",
    "tests/test_measure.py::test_no_sole_instep_girth_reaches_the_floor":
        "simulated no-sole scans measured",
    "tests/test_measure.py::test_doubling_every_point_moves_no_girth":
        "measures large scans twice",
    "tests/test_measure.py::test_working_set_keeps_pose_and_mirror_invariance":
        "measures in several poses",
    "tests/test_batch.py::test_cli_batch_exit_code_names_the_failures":
        "a CLI batch in subprocesses",
    "tests/test_batch.py::test_a_second_batch_on_the_same_output_folder_is_refused":
        "two concurrent CLI batches",
    "tests/test_batch.py::test_a_scan_that_kills_its_worker_is_its_own_error_and_the_batch_goes_on":
        "batch workers killed and restarted",
    "tests/test_batch.py::test_one_worker_batch_with_the_pcd_that_crashed_open3d_finishes":
        "a CLI batch with a worker",
    "tests/test_batch.py::test_workers_die_with_a_killed_batch":
        "kills a batch and waits for its workers",
    "tests/test_records_store.py::test_sixteen_concurrent_writers_lose_nothing":
        "16 writer processes, SQLite and PostgreSQL",
    "tests/test_records_store.py::test_writers_killed_at_random_moments_lose_no_acknowledged_fitting":
        "writer processes killed at random",
    "tests/test_insoles.py::test_threads_share_one_matcher":
        "matches in many threads",
    "tests/test_pipeline.py::test_concurrent_calls_equal_serial":
        "the whole line, concurrent and serial",
    "tests/test_clean.py::test_sole_through_glass_without_floor_is_not_a_floor":
        "simulated scans isolated, ten seeds",
    "tests/test_insoles_knn.py::test_matcher_equals_sklearn_backed_matcher":
        "imports scikit-learn and matches a large set",
    "tests/test_insoles_knn.py::test_stock_last_search_equals_sklearn":
        "imports scikit-learn, searches the stock library",
    "tests/test_visual.py::test_cli_process_writes_report_and_png":
        "the CLI in a subprocess, HTML and PNG (matplotlib)",
    "tests/test_fit.py::test_bench_fit_smoke":
        "runs the fit benchmark",
    "tests/test_cli.py::test_batch_repairs_torn_last_line":
        "two CLI batches in subprocesses",
    "tests/test_doctests.py::test_docstring_examples[footfit.synth.model]":
        "builds a foot mesh",
    "tests/test_cli.py::test_process_json_validates_and_matches_truth[right_f_normal_nofloor.pcd]":
        "the CLI on one sample in a subprocess (demo_two_feet stays in the default run)",
    "tests/test_cli.py::test_process_json_validates_and_matches_truth[two_feet_f_high_cm.ply]":
        "the CLI on one sample in a subprocess (demo_two_feet stays in the default run)",
    "tests/test_cli.py::test_process_json_validates_and_matches_truth[demo_right_m.ply]":
        "the CLI on one sample in a subprocess (demo_two_feet stays in the default run)",
    "tests/test_cli.py::test_process_json_validates_and_matches_truth[right_f_flat_noplantar_cm.xyz]":
        "the CLI on one sample in a subprocess (demo_two_feet stays in the default run)",
    "tests/test_cli.py::test_process_json_validates_and_matches_truth[left_m_flat_m.xyz]":
        "the CLI on one sample in a subprocess (demo_two_feet stays in the default run)",
    "tests/test_cli.py::test_process_json_validates_and_matches_truth[left_f_normal_noplantar_in.ply]":
        "the CLI on one sample in a subprocess (demo_two_feet stays in the default run)",
    "tests/test_cli.py::test_process_json_validates_and_matches_truth[left_f_high.pcd]":
        "the CLI on one sample in a subprocess (demo_two_feet stays in the default run)",
    "tests/test_cli.py::test_process_json_validates_and_matches_truth[right_m_high.stl]":
        "the CLI on one sample in a subprocess (demo_two_feet stays in the default run)",
}


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
