r"""Map footfit's exceptions to exit codes (CLI, batch) and HTTP statuses (service), once.

The front ends (``footfit.app.cli``, ``footfit.app.batch``, ``footfit.app.service``) ask this
module what an error means instead of each keeping its own ``except`` ladder, so a new exception
class is classified once. Only the standard library and :mod:`footfit.exceptions` are imported:
the CLI reads this at start-up.

The rule, most specific class first:

=============================  =========  ===========  ==================
exception                      exit code  HTTP status  service ``code``
=============================  =========  ===========  ==================
``InvalidScanError``           3          422          ``invalid_scan``
``DegenerateScanError``        4          422          ``no_foot``
``InvalidMeasurementError``    2          422          ``not_measurable``
other ``FootfitError``,        2          400          ``bad_option``
``ValueError``
``TypeError``                  2 / 1 *    400          ``bad_option``
``OSError``                    2 / 1 *    500          ``internal``
anything else                  1          500          ``internal``
=============================  =========  ===========  ==================

\* 2 when the caller typed the value or path itself (the CLI: a file that does not exist is a
usage error), 1 otherwise (a batch worker: a bug or the machine, retried on a re-run).
"""

from __future__ import annotations

from footfit.exceptions import (
    DegenerateScanError,
    FootfitError,
    InvalidMeasurementError,
    InvalidScanError,
)

__all__ = [
    "EXIT_BATCH_FAILURES",
    "EXIT_INTERNAL",
    "EXIT_INVALID_SCAN",
    "EXIT_NO_FOOT",
    "EXIT_OK",
    "EXIT_USAGE",
    "exit_code_for",
    "http_status_for",
]

EXIT_OK = 0
#: An unexpected error (a bug, the machine): the CLI shows the traceback, a batch retries.
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INVALID_SCAN = 3
EXIT_NO_FOOT = 4
EXIT_BATCH_FAILURES = 5


def exit_code_for(exc: BaseException, *, caller_input: bool = False) -> int:
    """Return the exit code that reports ``exc`` (see the module's table).

    Parameters
    ----------
    exc : BaseException
        The error a command or a batch worker met.
    caller_input : bool, default=False
        True when every path and value came straight from the person calling (the command
        line): an ``OSError`` (no such file) or a ``TypeError`` is then a usage error (2)
        rather than an internal one (1).

    Returns
    -------
    int
        3 invalid scan, 4 no foot, 2 usage, 1 internal.

    Examples
    --------
    >>> from footfit.exceptions import InvalidScanError
    >>> exit_code_for(InvalidScanError("a.ply: empty file"))
    3
    >>> exit_code_for(FileNotFoundError("a.ply")), exit_code_for(
    ...     FileNotFoundError("a.ply"), caller_input=True)
    (1, 2)
    """
    if isinstance(exc, InvalidScanError):
        return EXIT_INVALID_SCAN
    if isinstance(exc, DegenerateScanError):
        return EXIT_NO_FOOT
    if isinstance(exc, (FootfitError, ValueError)):
        return EXIT_USAGE
    if isinstance(exc, (TypeError, OSError)) and caller_input:
        return EXIT_USAGE
    return EXIT_INTERNAL


def http_status_for(exc: BaseException) -> tuple[int, str]:
    """Return the HTTP status and the service's error ``code`` that report ``exc``.

    Returns
    -------
    (int, str)
        ``(422, 'invalid_scan')``, ``(422, 'no_foot')``, ``(422, 'not_measurable')``,
        ``(400, 'bad_option')`` or ``(500, 'internal')``.

    Examples
    --------
    >>> from footfit.exceptions import DegenerateScanError
    >>> http_status_for(DegenerateScanError("a flat plane")), http_status_for(KeyError("x"))
    ((422, 'no_foot'), (500, 'internal'))
    """
    if isinstance(exc, InvalidScanError):
        return 422, "invalid_scan"
    if isinstance(exc, DegenerateScanError):
        return 422, "no_foot"
    if isinstance(exc, InvalidMeasurementError):
        return 422, "not_measurable"
    if isinstance(exc, (FootfitError, ValueError, TypeError)):
        return 400, "bad_option"
    return 500, "internal"
