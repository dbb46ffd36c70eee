"""How much room an insole takes in the shoe: what the last must leave for it.

A device of thickness ``t`` adds about ``t`` of height and ``2 t`` of girth over the forefoot
and instep (LASTS.md section 7 [U]). :func:`insole_room` gives the thickness of a catalogue
device (columns ``forefoot_thickness_mm``, ``arch_thickness_mm``, ``heel_thickness_mm``,
``arch_apex_height_mm``, ``top_cover_mm`` of ``footfit/data/insoles.csv``) or of the custom insole
(``footfit/data/custom_insole.json``).

References
----------
.. [1] ../shared/LASTS.md section 7 (shell 3.0-4.5 mm, top cover 1.5-3 mm, room for an
   insole, sock allowance) and "Numbers a test can check" 14.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from footfit._data import model_path
from footfit.exceptions import InvalidParameterError

if TYPE_CHECKING:
    from footfit.insoles.results import InsoleMatch

__all__ = ["CUSTOM_SKU", "InsoleRoom", "insole_room", "load_custom_insole"]

#: SKU under which :func:`insole_room` answers for the custom insole.
CUSTOM_SKU = "CUSTOM"


@lru_cache(maxsize=1)
def load_custom_insole() -> dict[str, Any]:
    """Return ``footfit/data/custom_insole.json`` (cached; do not mutate)."""
    with open(model_path("custom_insole.json"), encoding="utf-8") as fh:
        return json.load(fh)


@dataclass(frozen=True)
class InsoleRoom:
    """The thickness of an insole where the last must leave room for it, mm.

    Attributes
    ----------
    forefoot_mm : float
        Total thickness under the metatarsal heads (forefoot base + top cover; a
        3/4-length device has only its cover there). The foot rises by this at the ball:
        the last needs about this much more height and twice this much more girth over the
        forefoot.
    arch_apex_mm : float or None
        Height of the device's top surface at its arch apex above its underside
        (``arch_apex_height_mm``). The foot's plantar arch meets it there; where the apex is
        higher than the foot's own plantar arch plus the lift, it pushes the arch up. None
        for the custom insole, whose top follows the foot's own plantar arch (full
        contact): add ``arch_mm`` to the foot's plantar surface instead.
    heel_mm : float
        Total thickness under the heel (shell + top cover, plus the mean height of a
        rear-foot post wedge): the heel's lift.
    top_cover_mm : float
        The top cover (part of each total above).
    arch_mm : float
        Material thickness at the arch (shell + top cover).
    sku : str
        The device (``'CUSTOM'`` for the custom insole).
    """

    forefoot_mm: float
    arch_apex_mm: float | None
    heel_mm: float
    top_cover_mm: float
    arch_mm: float
    sku: str = ""

    def girth_allowance_mm(self) -> float:
        """Return the girth the last needs over the forefoot and instep for this insole.

        ``2 x forefoot_mm`` (LASTS.md section 7 [U]).

        Examples
        --------
        >>> insole_room("CUSTOM").girth_allowance_mm()
        8.0
        """
        return 2.0 * self.forefoot_mm


def _custom(body_mass_kg: float | None) -> InsoleRoom:
    c = load_custom_insole()
    shell = float(c["shell_mm"]["value"])
    if body_mass_kg is not None:
        if not math.isfinite(body_mass_kg) or body_mass_kg <= 0:
            raise InvalidParameterError(
                f"`body_mass_kg` must be a positive number; got {body_mass_kg!r}"
            )
        if body_mass_kg >= float(c["shell_mm"]["heavy_from_body_mass_kg"]):
            shell = float(c["shell_mm"]["heavy_value"])
    cover = float(c["top_cover_mm"]["value"])
    base = float(c["forefoot_base_mm"]["value"])
    return InsoleRoom(forefoot_mm=base + cover, arch_apex_mm=None, heel_mm=shell + cover,
                      top_cover_mm=cover, arch_mm=shell + cover, sku=str(c["sku"]))


def insole_room(sku_or_row: str | Mapping[str, Any] | InsoleMatch, *,
                body_mass_kg: float | None = None) -> InsoleRoom:
    """Return the room an insole takes: thickness under the forefoot, arch and heel.

    Parameters
    ----------
    sku_or_row : str, mapping or InsoleMatch
        A SKU of ``footfit/data/insoles.csv``, ``'CUSTOM'`` (or ``'custom'``) for the custom
        insole, a catalogue row (mapping with the thickness columns), or an
        :class:`~footfit.insoles.InsoleMatch` (its ``device``).
    body_mass_kg : float, optional
        Custom insole only: at 75 kg or more the shell is 4.5 mm instead of 3.0
        (``footfit/data/custom_insole.json``).

    Returns
    -------
    InsoleRoom

    Raises
    ------
    KeyError
        An unknown SKU.
    ValueError
        A row without the thickness columns, or a bad ``body_mass_kg``.

    References
    ----------
    .. [1] LASTS.md section 7 (room for an insole of thickness t: +t height, ~+2t girth).

    Examples
    --------
    >>> r = insole_room("CUSTOM")
    >>> r.forefoot_mm, r.heel_mm, r.top_cover_mm
    (4.0, 6.0, 3.0)
    >>> insole_room("RUN-LR-258").forefoot_mm
    4.5
    """
    if isinstance(sku_or_row, str):
        if sku_or_row.upper() == CUSTOM_SKU:
            return _custom(body_mass_kg)
        cat = _catalog()
        row: Mapping[str, Any] = cat.row(cat.index_of(sku_or_row))
    elif isinstance(sku_or_row, Mapping):
        row = sku_or_row
    elif hasattr(sku_or_row, "device") and isinstance(sku_or_row.device, Mapping):
        row = sku_or_row.device
    else:
        kind = type(sku_or_row).__name__
        raise TypeError(f"`sku_or_row` must be a SKU, a catalogue row or an InsoleMatch; "
                        f"got {kind}")
    if str(row.get("sku", "")).upper() == CUSTOM_SKU:
        return _custom(body_mass_kg)
    need = ("forefoot_thickness_mm", "arch_thickness_mm", "heel_thickness_mm",
            "arch_apex_height_mm", "top_cover_mm")
    lacking = [c for c in need if c not in row]
    if lacking:
        raise InvalidParameterError(
            f"insole row {row.get('sku', '?')!r} lacks {', '.join(lacking)}"
        )
    return InsoleRoom(
        forefoot_mm=float(row["forefoot_thickness_mm"]),
        arch_apex_mm=float(row["arch_apex_height_mm"]),
        heel_mm=float(row["heel_thickness_mm"]),
        top_cover_mm=float(row["top_cover_mm"]),
        arch_mm=float(row["arch_thickness_mm"]),
        sku=str(row.get("sku", "")),
    )


@lru_cache(maxsize=1)
def _catalog() -> Any:
    from footfit.insoles.catalog import load_insole_catalog

    return load_insole_catalog()
