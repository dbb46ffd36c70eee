"""footfit/app/_errors.py: one table from exceptions to exit codes and HTTP statuses."""

from __future__ import annotations

import pytest

from footfit.app._errors import (
    EXIT_INTERNAL,
    EXIT_INVALID_SCAN,
    EXIT_NO_FOOT,
    EXIT_USAGE,
    exit_code_for,
    http_status_for,
)
from footfit.exceptions import (
    DegenerateScanError,
    FootfitError,
    InvalidMeasurementError,
    InvalidScanError,
    NotFittedError,
)
from footfit.insoles.catalog import InvalidCatalogError
from footfit.io._common import ScanFileError

CASES = [  # exception, exit code (batch), exit code (CLI), HTTP status, service code
    (InvalidScanError("a.ply: empty"), EXIT_INVALID_SCAN, EXIT_INVALID_SCAN, 422, "invalid_scan"),
    (ScanFileError("a.ply: truncated"), EXIT_INVALID_SCAN, EXIT_INVALID_SCAN, 422,
     "invalid_scan"),
    (DegenerateScanError("a plane"), EXIT_NO_FOOT, EXIT_NO_FOOT, 422, "no_foot"),
    (InvalidMeasurementError("foot_length_mm 400"), EXIT_USAGE, EXIT_USAGE, 422,
     "not_measurable"),
    (InvalidCatalogError("c.csv: no rows"), EXIT_USAGE, EXIT_USAGE, 400, "bad_option"),
    (NotFittedError("fit first"), EXIT_USAGE, EXIT_USAGE, 400, "bad_option"),
    (FootfitError("x"), EXIT_USAGE, EXIT_USAGE, 400, "bad_option"),
    (ValueError("`k` must be >= 1; got 0"), EXIT_USAGE, EXIT_USAGE, 400, "bad_option"),
    (TypeError("points must be an array"), EXIT_INTERNAL, EXIT_USAGE, 400, "bad_option"),
    (FileNotFoundError(2, "No such file", "a.ply"), EXIT_INTERNAL, EXIT_USAGE, 500, "internal"),
    (RuntimeError("boom"), EXIT_INTERNAL, EXIT_INTERNAL, 500, "internal"),
    (KeyError("x"), EXIT_INTERNAL, EXIT_INTERNAL, 500, "internal"),
]


@pytest.mark.parametrize(("exc", "batch", "cli", "status", "code"), CASES,
                         ids=[type(c[0]).__name__ for c in CASES])
def test_one_table_for_every_front_end(exc, batch, cli, status, code):
    assert exit_code_for(exc) == batch
    assert exit_code_for(exc, caller_input=True) == cli
    assert http_status_for(exc) == (status, code)


def test_exit_codes_are_the_documented_ones():
    from footfit.app import cli

    assert (cli.EXIT_OK, cli.EXIT_USAGE, cli.EXIT_INVALID_SCAN, cli.EXIT_NO_FOOT,
            cli.EXIT_BATCH_FAILURES) == (0, 2, 3, 4, 5)
    for code in (2, 3, 4, 5):
        assert f"  {code}  " in cli._EPILOG
