"""footfit's measurement conventions, in one place: windows, heights, fractions, tolerances.

Every figure the stages share (the floor-contact height of the footprint, the toe cut, the
anatomical windows of the landmarks and their "why missing" reasons, the numerical
tolerances) is read from ``footfit/data/conventions.json``, where each one carries its
source: a DOMAIN.md / LASTS.md section, ``docs/measurement_conventions.md``, or "[U]
footfit's own choice" with the reason. Code and messages read them from here, so a
window and the sentence that names it cannot drift apart.

The table is loaded once, with :mod:`importlib.resources` (it works from a wheel or a zip),
into the frozen :data:`CONVENTIONS`:

>>> from footfit.conventions import CONVENTIONS
>>> CONVENTIONS.contact_height_mm, CONVENTIONS.toe_cut_fraction
(3.0, 0.8)
>>> w = CONVENTIONS.windows.heel_width
>>> w.y_fl, w.z_mm
((0.05, 0.2), (None, 40.0))
>>> w.missing()
'no points at 5-20 % of the foot length below 40 mm'
>>> CONVENTIONS.source("contact_height_mm")[:31]
"MC 'Footprint indices': the foo"

Fractions are of the foot length ``L`` from the pternion (``y = 0``), heights are above the
floor (``z = 0``), in the canonical frame (DOMAIN.md section 2).

How to add a convention: add it to ``conventions.json`` with its ``source``, add the field
to :class:`Conventions` (or a window to :class:`Windows`), and read it from
:data:`CONVENTIONS`; ``tests/test_conventions.py`` checks that every entry has a source and
that the file and the classes agree.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from importlib import resources
from types import MappingProxyType
from typing import Any

__all__ = [
    "CONTACT_HEIGHT_MM",
    "CONVENTIONS",
    "TOE_CUT_FRACTION",
    "Conventions",
    "Tolerances",
    "Window",
    "Windows",
    "load_conventions",
]

Range = tuple["float | None", "float | None"]


def _pct(f: float) -> str:
    return f"{100.0 * f:g}"


@dataclass(frozen=True)
class Window:
    """A region of the foot where a landmark or a measurement is read.

    Attributes
    ----------
    name : str
        The key in ``conventions.json``.
    y_fl : (lo, hi) or None
        Along the foot, as fractions of the foot length (``None``: unbounded that side);
        ``lo == hi`` is a slab of half-width ``band_mm`` about that fraction.
    z_mm : (lo, hi) or None
        Height above the floor, mm.
    x_mm : (lo, hi) or None
        Across the foot (``+x`` lateral), mm.
    prior_fl : float or None
        The landmark's prior position (fraction of the foot length) used to break ties.
    band_mm : float or None
        Half-width (mm) of the slab about ``y_fl`` or about a found position.
    needs_top_mm : float or None
        The scan must reach this height for the window to be read.
    source : str
        Where the window comes from.
    missing_template : str
        The reason reported when nothing is found in the window (``str.format`` fields:
        ``window``, ``needs_top_mm`` and any the caller passes, e.g. ``top``).
    """

    name: str
    y_fl: Range | None
    z_mm: Range | None
    x_mm: Range | None
    prior_fl: float | None
    band_mm: float | None
    needs_top_mm: float | None
    source: str
    missing_template: str

    def y_mm(self, foot_length_mm: float, pternion_y: float = 0.0) -> tuple[float, float]:
        """Return the window's ``(lo, hi)`` along the foot in mm (``-inf``/``inf`` if open).

        A slab (``lo == hi``) is widened by ``band_mm`` on each side.

        Examples
        --------
        >>> CONVENTIONS.windows.heel_width.y_mm(250.0)
        (12.5, 50.0)
        >>> CONVENTIONS.windows.arch_height.y_mm(200.0, pternion_y=10.0)
        (109.0, 111.0)
        """
        lo, hi = self.y_fl if self.y_fl is not None else (None, None)
        a = -float("inf") if lo is None else pternion_y + lo * foot_length_mm
        b = float("inf") if hi is None else pternion_y + hi * foot_length_mm
        if lo is not None and lo == hi and self.band_mm:
            a, b = a - self.band_mm, b + self.band_mm
        return a, b

    def describe(self) -> str:
        """Return the window in words, as the "why missing" messages name it.

        Examples
        --------
        >>> CONVENTIONS.windows.heel_width.describe()
        '5-20 % of the foot length below 40 mm'
        >>> CONVENTIONS.windows.malleoli.describe()
        '10-35 % of the foot length at 40-100 mm height'
        """
        parts = []
        if self.y_fl is not None:
            lo, hi = self.y_fl
            if lo is not None and hi is not None and lo != hi:
                parts.append(f"{_pct(lo)}-{_pct(hi)} % of the foot length")
            elif lo is not None and hi is None:
                parts.append(f"beyond {_pct(lo)} % of the foot length")
            elif lo is not None:
                parts.append(f"{_pct(lo)} % of the foot length")
        if self.z_mm is not None:
            lo, hi = self.z_mm
            if lo is None:
                parts.append(f"below {hi:g} mm")
            elif hi is None:
                parts.append(f"above {lo:g} mm")
            elif lo == hi:
                parts.append(f"{lo:g} mm height")
            else:
                parts.append(f"{lo:g}-{hi:g} mm height")
        out = parts[0] if parts else ""
        for p in parts[1:]:
            out += (" " if p.startswith(("below", "above")) else " at ") + p
        return out

    def missing(self, **values: Any) -> str:
        """Return the reason reported when the window holds nothing.

        Examples
        --------
        >>> CONVENTIONS.windows.ankle.missing(top=90.2)
        'the scan stops at 90 mm, below 95 mm'
        """
        return self.missing_template.format(
            window=self.describe(), needs_top_mm=self.needs_top_mm, **values
        )


@dataclass(frozen=True)
class Windows:
    """The anatomical windows of the measurement (see :class:`Window`)."""

    heel_width: Window
    malleoli: Window
    mth1: Window
    mth5: Window
    instep: Window
    instep_height: Window
    arch_height: Window
    hallux_valgus_heel: Window
    hallux_valgus_toe: Window
    second_toe: Window
    hallux: Window
    long_heel_crease: Window
    ankle: Window


@dataclass(frozen=True)
class Tolerances:
    """Numerical tolerances (mm, or unitless for ratios).

    Attributes
    ----------
    zero : float
        Below this a length or a denominator is treated as zero (1e-9).
    small : float
        A vector or edge shorter than this is degenerate (1e-6).
    tiny : float
        A floor for divisors that may be exactly zero (1e-12).
    planar : float
        Points within this distance of a plane count as on it (1e-5).
    """

    zero: float
    small: float
    tiny: float
    planar: float


@dataclass(frozen=True)
class Conventions:
    """All conventions, typed and frozen; read them from :data:`CONVENTIONS`.

    Attributes
    ----------
    contact_height_mm : float
        The footprint: the surface within this height of the floor (3 mm).
    leg_cut_mm : float
        Everything above this height is cut off before measuring (100 mm).
    toe_cut_fraction : float
        The footprint's zones stop at this fraction of the foot length (0.80).
    toe_region_fraction : float
        Toe tips are searched beyond this fraction of the foot length (0.80).
    waist_fraction : float
        The waist (5th-metatarsal tuberosity prior) at this fraction (0.41).
    toe_shape_tolerance_mm : float
        Toes within this of each other are level (Roman) (2 mm).
    foot_length_min_mm, foot_length_max_mm : float
        A measured foot length outside this range is refused (80-400 mm).
    windows : Windows
    tol : Tolerances
    sources : mapping of str to str
        Every convention's source, by name (windows as ``windows.<name>``).
    """

    contact_height_mm: float
    leg_cut_mm: float
    toe_cut_fraction: float
    toe_region_fraction: float
    waist_fraction: float
    toe_shape_tolerance_mm: float
    foot_length_min_mm: float
    foot_length_max_mm: float
    windows: Windows
    tol: Tolerances
    sources: Mapping[str, str]

    def source(self, name: str) -> str:
        """Return where the convention ``name`` comes from (``windows.<name>`` for a window).

        Raises
        ------
        KeyError
            If there is no convention of that name.
        """
        if name in self.windows.__dataclass_fields__:
            name = f"windows.{name}"
        return self.sources[name]


def _range(v: Any) -> Range | None:
    if v is None:
        return None
    lo, hi = v
    return (None if lo is None else float(lo), None if hi is None else float(hi))


def _opt(v: Any) -> float | None:
    return None if v is None else float(v)


def _window(name: str, d: Mapping[str, Any]) -> Window:
    return Window(name=name, y_fl=_range(d.get("y_fl")), z_mm=_range(d.get("z_mm")),
                  x_mm=_range(d.get("x_mm")), prior_fl=_opt(d.get("prior_fl")),
                  band_mm=_opt(d.get("band_mm")), needs_top_mm=_opt(d.get("needs_top_mm")),
                  source=str(d["source"]), missing_template=str(d["missing"]))


def load_conventions(doc: Mapping[str, Any] | None = None) -> Conventions:
    """Build :class:`Conventions` from the parsed ``conventions.json`` (the packaged one).

    Raises
    ------
    KeyError
        If an entry, its ``value`` or its ``source`` is missing.
    """
    if doc is None:
        text = resources.files("footfit").joinpath("data/conventions.json").read_text("utf-8")
        doc = json.loads(text)
    scalars: dict[str, float] = {}
    sources: dict[str, str] = {}
    for group in ("heights", "fractions", "limits", "tolerances"):
        for key, entry in doc[group].items():
            scalars[key] = float(entry["value"])
            sources[key] = str(entry["source"])
    wins = {key: _window(key, entry) for key, entry in doc["windows"].items()}
    sources.update({f"windows.{k}": w.source for k, w in wins.items()})
    tol = Tolerances(**{f.name: scalars.pop(f.name) for f in fields(Tolerances)})
    return Conventions(windows=Windows(**wins), tol=tol, sources=MappingProxyType(sources),
                       **scalars)


#: The conventions, loaded once.
CONVENTIONS: Conventions = load_conventions()

#: Height (mm) below which the surface counts as floor contact (the footprint).
CONTACT_HEIGHT_MM: float = CONVENTIONS.contact_height_mm
#: The footprint's zones stop at this fraction of the foot length (toes excluded).
TOE_CUT_FRACTION: float = CONVENTIONS.toe_cut_fraction
