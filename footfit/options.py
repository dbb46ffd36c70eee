"""The options of one run of the fitting line, declared and validated in one place.

:class:`FitOptions` is what :class:`~footfit.pipeline.FootFitter`, :func:`footfit.process`,
the command line, batches (local and Dask) and the kiosk service hand to the line: a frozen,
typed value checked once when it is made, so a bad option is refused with one line naming it
and its value before any scan is read or any worker started.

The language of the summary, HTML and PNG (``--lang``, ``lang``) is not a line option: it
changes no number, only how a finished report is written (:func:`footfit.words.check_language`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from footfit.exceptions import InvalidParameterError

__all__ = ["FITS", "SEXES", "UNITS", "FitOptions", "OptionTypeError"]

#: Fit preferences of the last's girth ease.
FITS: tuple[str, ...] = ("snug", "standard", "roomy")
#: Units of scan coordinates (``auto``: detected from the extent).
UNITS: tuple[str, ...] = ("auto", "mm", "cm", "m", "in")
#: The wearer's sex, when known.
SEXES: tuple[str | None, ...] = (None, "male", "female")
_SIDES = ("left", "right")

#: One value for both feet, or one per side (``{'left': ..., 'right': ...}``).
PerSide = float | bool | Mapping[str, Any] | None


class OptionTypeError(InvalidParameterError, TypeError):
    """An option of the wrong type, or an option that does not exist."""


def _choice(value: object, choices: tuple[Any, ...], name: str) -> None:
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise InvalidParameterError(f"`{name}` must be one of {listed}; got {value!r}")


def _number(value: object, name: str, *, allow_none: bool, minimum: float,
            above: bool) -> None:
    if value is None and allow_none:
        return
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise OptionTypeError(f"`{name}` must be a number; got {value!r}")
    bad = not math.isfinite(value) or (value <= minimum if above else value < minimum)
    if bad:
        bound = f"> {minimum:g}" if above else f">= {minimum:g}"
        raise InvalidParameterError(f"`{name}` must be a finite number {bound}; got {value!r}")


def _fpi_ok(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and -12 <= v <= 12


def _per_side(value: object, name: str, ok: Any, what: str) -> PerSide:
    """Check one value for both feet or a mapping side -> value; return it (a dict copy)."""
    if isinstance(value, Mapping):
        bad = set(value) - set(_SIDES)
        if bad:
            raise InvalidParameterError(
                f"`{name}` keys must be 'left' or 'right'; got {sorted(bad)}")
        values = list(value.values())
        value = dict(value)
    else:
        values = [value]
    for v in values:
        if v is not None and not ok(v):
            raise InvalidParameterError(f"`{name}` must be None, {what}, or a mapping of side "
                                        f"to that; got {v!r}")
    return value  # type: ignore[return-value]


@dataclass(frozen=True)
class FitOptions:
    """How to run the fitting line on a scan: style, fit, units, sizes, insoles, simulation.

    Validated when made (:class:`~footfit.exceptions.InvalidParameterError`, one line naming
    the option and its value; a wrong type or an unknown option also is a ``TypeError``).

    Attributes
    ----------
    style : str, default="sport"
        Shoe style (``footfit/data/styles.json``): sets insole uses and last allowances.
    fit : {'snug', 'standard', 'roomy'}, default="standard"
        Fit preference for the last's girth ease.
    units : {'auto', 'mm', 'cm', 'm', 'in'}, default="auto"
        Units of the scan coordinates; ``auto`` detects them from the extent.
    sex : {None, 'male', 'female'}, default=None
        Used for heel allowance and population-relative width classes when known.
    profile : str, default="iso"
        Foot-to-shoe size convention (:func:`footfit.sizes.available_profiles`).
    n_insoles : int, default=3
        How many insoles to recommend per foot.
    leg_cut_height_mm : float, default=100.0
        Height above the floor where the leg is cut off.
    heel_height_mm : float or None, default=None
        Heel height of the last; ``None`` takes the style's default.
    simulate_fit : bool, default=True
        Also try each foot in its custom last and size it on the stock lasts by simulation
        (the ``fit`` section of each foot); ``False`` (CLI ``--no-fit``) leaves it out.
    foot_posture_index : float, mapping or None, default=None
        A measured FPI-6 (-12..+12; a medial post needs +6 or more), one value for both feet
        or ``{'left': ..., 'right': ...}``.
    forefoot_overload : bool, mapping or None, default=None
        Forefoot overload seen (e.g. on a pressure plate; the only way a metatarsal pad is
        chosen), one value or one per side.

    Examples
    --------
    >>> FitOptions(style="casual", fit="roomy").fit
    'roomy'
    >>> FitOptions().replace(units="cm").units
    'cm'
    >>> FitOptions(fit="tight")
    Traceback (most recent call last):
    ...
    footfit.exceptions.InvalidParameterError: `fit` must be one of 'snug', 'standard', \
'roomy'; got 'tight'
    """

    style: str = "sport"
    fit: str = "standard"
    units: str = "auto"
    sex: str | None = None
    profile: str = "iso"
    n_insoles: int = 3
    leg_cut_height_mm: float = 100.0
    heel_height_mm: float | None = None
    simulate_fit: bool = True
    foot_posture_index: PerSide = None
    forefoot_overload: PerSide = None

    def __post_init__(self) -> None:
        """Check every option once (the one validation of the line's options)."""
        self._check_choices()
        n = self.n_insoles
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise InvalidParameterError(f"`n_insoles` must be an int >= 1; got {n!r}")
        if not isinstance(self.simulate_fit, bool):
            raise OptionTypeError(
                f"`simulate_fit` must be True or False; got {self.simulate_fit!r}")
        _number(self.leg_cut_height_mm, "leg_cut_height_mm", allow_none=False, minimum=0.0,
                above=True)
        _number(self.heel_height_mm, "heel_height_mm", allow_none=True, minimum=0.0,
                above=False)
        object.__setattr__(self, "foot_posture_index", _per_side(
            self.foot_posture_index, "foot_posture_index", _fpi_ok,
            "a number within -12 to 12 (FPI-6)"))
        object.__setattr__(self, "forefoot_overload", _per_side(
            self.forefoot_overload, "forefoot_overload", lambda v: isinstance(v, bool),
            "True or False"))

    def _check_choices(self) -> None:
        from footfit.last import available_styles
        from footfit.sizes import available_profiles

        for name in ("style", "fit", "units", "sex", "profile"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise OptionTypeError(f"`{name}` must be a string; got {value!r}")
        _choice(self.style, tuple(available_styles()), "style")
        _choice(self.fit, FITS, "fit")
        _choice(self.units, UNITS, "units")
        _choice(self.sex, SEXES, "sex")
        _choice(self.profile, tuple(available_profiles()), "profile")

    # ------------------------------------------------------------------ building
    @classmethod
    def coerce(cls, options: FitOptions | Mapping[str, Any] | None = None,
               **overrides: Any) -> FitOptions:
        """Return ``options`` (a FitOptions, a mapping of option names, or None) as FitOptions.

        ``overrides`` replace single options. An unknown name is refused (``TypeError``).

        Examples
        --------
        >>> FitOptions.coerce({"style": "boot"}, fit="snug")
        FitOptions(style='boot', fit='snug', units='auto', sex=None, profile='iso', \
n_insoles=3, leg_cut_height_mm=100.0, heel_height_mm=None, simulate_fit=True, \
foot_posture_index=None, forefoot_overload=None)
        """
        if isinstance(options, FitOptions):
            return options.replace(**overrides) if overrides else options
        if options is not None and not isinstance(options, Mapping):
            raise OptionTypeError(f"`options` must be FitOptions or a mapping; got {options!r}")
        merged = {**dict(options or {}), **overrides}
        _refuse_unknown(merged)
        return cls(**merged)

    def replace(self, **changes: Any) -> FitOptions:
        """Return a copy with some options changed (validated again)."""
        _refuse_unknown(changes)
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ reading
    def to_dict(self) -> dict[str, Any]:
        """Return every option by name (plain values; per-side options as dicts)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def for_side(self, name: str, side: str) -> float | bool | None:
        """Return a per-side option's value for one foot (``name``: an option name)."""
        value = getattr(self, name)
        return value.get(side) if isinstance(value, Mapping) else value

    def report_options(self) -> dict[str, Any]:
        """Return the options a report records (style, fit, units, sex, profile, heel)."""
        return {k: getattr(self, k)
                for k in ("style", "fit", "units", "sex", "profile", "heel_height_mm")}


_NAMES = frozenset(f.name for f in dataclasses.fields(FitOptions))


def _refuse_unknown(options: Mapping[str, Any]) -> None:
    unknown = set(options) - _NAMES
    if unknown:
        raise OptionTypeError(f"unknown options: {', '.join(sorted(unknown))}")
