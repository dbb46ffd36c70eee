"""Words for people: one vocabulary for every text footfit shows (CLI, HTML, PNG, kiosk).

The table is ``footfit/data/vocabulary.json`` (English and Simplified Chinese). The report
JSON keeps its keys (``ball_girth_mm``); everything a person reads goes through here, so a
measure has one name everywhere and numbers of one unit are always written the same way.

Examples
--------
>>> measure_name("ball_girth_mm", "zh")
'跖围'
>>> format_value(259.73, "mm")
'259.7 mm'
>>> format_value(41.0, "size")
'41'
"""

from __future__ import annotations

import functools
import json
import locale
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from footfit.exceptions import InvalidParameterError

__all__ = [
    "LANGUAGES",
    "check_language",
    "class_label",
    "default_language",
    "foot_name",
    "format_measure",
    "format_value",
    "load_vocabulary",
    "measure_name",
    "readable",
    "side_name",
    "term",
    "ui",
]

#: Languages the vocabulary covers (``--lang``, the service's ``lang`` field).
LANGUAGES: tuple[str, ...] = ("en", "zh")

_PATH = Path(__file__).resolve().parent / "data" / "vocabulary.json"


@functools.lru_cache(maxsize=1)
def load_vocabulary() -> dict[str, Any]:
    """Return the vocabulary table (``footfit/data/vocabulary.json``), read once."""
    return json.loads(_PATH.read_text(encoding="utf-8"))


def default_language(environ: Mapping[str, str] | None = None) -> str:
    """Return the language of the user's locale: ``'zh'`` for any Chinese locale, else ``'en'``.

    Parameters
    ----------
    environ : mapping, optional
        Environment to read (``FOOTFIT_LANG``, then the locale's ``LC_ALL``,
        ``LC_MESSAGES``, ``LANG``, ``LANGUAGE``, in that order); ``os.environ`` by default.

    Examples
    --------
    >>> default_language({"LANG": "zh_CN.UTF-8"})
    'zh'
    >>> default_language({"LANG": "C.UTF-8"})
    'en'
    >>> default_language({"FOOTFIT_LANG": "en", "LANG": "zh_CN.UTF-8"})
    'en'
    """
    env = os.environ if environ is None else environ
    own = env.get("FOOTFIT_LANG")
    if own and own.lower() in LANGUAGES:  # footfit's own setting wins over the locale
        return own.lower()
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = env.get(name)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    if environ is None:
        try:
            loc = locale.getlocale()[0] or ""
        except ValueError:  # pragma: no cover - malformed locale
            loc = ""
        if loc.lower().startswith("zh"):
            return "zh"
    return "en"


def check_language(lang: str | None) -> str:
    """Return ``lang`` checked (``None``: the locale's language).

    Raises
    ------
    ValueError
        If ``lang`` is not one of :data:`LANGUAGES`.
    """
    if lang is None:
        return default_language()
    if not isinstance(lang, str) or lang.lower() not in LANGUAGES:
        raise InvalidParameterError(f"`lang` must be one of {', '.join(LANGUAGES)}; got {lang!r}")
    return lang.lower()


def _pick(entry: Mapping[str, Any] | None, lang: str, fallback: str) -> str:
    if not entry:
        return fallback
    return str(entry.get(lang) or entry.get("en") or fallback)


def term(block: str, key: object, lang: str = "en") -> str:
    """Return the word for ``key`` in vocabulary block ``block`` (``styles``, ``zones``, ...).

    Unknown keys come back readable (underscores as spaces), never as identifiers.

    Examples
    --------
    >>> term("styles", "dress_round", "en")
    'dress, round toe'
    >>> term("styles", "wellington_boot", "en")
    'wellington boot'
    """
    table = load_vocabulary().get(block) or {}
    return _pick(table.get(str(key)), lang, str(key).replace("_", " "))


def measure_name(key: str, lang: str = "en") -> str:
    """Return the one name of measurement ``key``.

    ``'arch_height_mm'`` -> ``'midfoot top height'``.
    """
    entry = load_vocabulary()["measures"].get(key)
    if entry is None:
        return term("last_measures", key, lang)
    return _pick(entry, lang, key)


def side_name(side: object, lang: str = "en") -> str:
    """``'left'`` / ``'左'``: the side as it goes into the vocabulary's sentences."""
    return term("sides", side, lang)


def foot_name(side: object, lang: str = "en") -> str:
    """``'left foot'`` / ``'左脚'``."""
    return ui("foot", lang, side=side_name(side, lang))


def class_label(kind: str, value: object, lang: str = "en") -> str:
    """Return a class in words.

    ``class_label('arch_type', 'flat', 'zh')`` -> ``'低足弓（扁平足）'``.
    """
    if value is None:
        return ui("not_measurable", lang)
    entry = (load_vocabulary()["classes"].get(kind) or {}).get(str(value))
    return _pick(entry, lang, str(value).replace("_", " "))


def ui(key: str, lang: str = "en", **values: Any) -> str:
    """Return a user-interface string, with ``{placeholders}`` filled from ``values``."""
    block = load_vocabulary()["ui"]
    if key not in block:
        raise KeyError(f"vocabulary has no ui string {key!r}")
    return _pick(block[key], lang, key).format(**values)


def _unit(unit: str) -> dict[str, Any]:
    units = load_vocabulary()["units"]
    if unit not in units:
        raise KeyError(f"vocabulary has no unit {unit!r}")
    return units[unit]


def format_value(value: object, unit: str | None, lang: str = "en") -> str:
    """Write a number the one way its unit is written (decimals per unit, unit after).

    ``None`` and NaN give an en dash.

    Examples
    --------
    >>> format_value(0.23421, "index")
    '0.234'
    >>> format_value(8.5, "size"), format_value(8.0, "size")
    ('8.5', '8')
    >>> format_value(None, "mm")
    '–'
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if unit is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    spec = _unit(unit)
    v = float(value)
    if spec.get("trim") and v.is_integer():
        text = f"{v:.0f}"
    else:
        text = f"{v:.{int(spec['decimals'])}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    suffix = _pick(spec, lang, "")
    if not suffix:
        return text
    return text + suffix if suffix.startswith(("/", "°", "%")) else f"{text} {suffix}"


def format_measure(key: str, value: object, lang: str = "en") -> str:
    """Return a measurement value in its unit's format (classes such as ``toe_shape`` in words)."""
    entry = load_vocabulary()["measures"].get(key) or {}
    if key == "toe_shape":
        return class_label("toe_shape", value, lang) if value is not None else "–"
    return format_value(value, entry.get("unit") or ("mm" if key.endswith("_mm") else None),
                        lang)


# ----------------------------------------------------------------------------- free text
_IDENT = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


@functools.lru_cache(maxsize=1)
def _identifier_words() -> dict[str, str]:
    """Every identifier the vocabulary knows, to its English words (for :func:`readable`)."""
    v = load_vocabulary()
    out: dict[str, str] = {}
    for block in ("measures", "last_measures", "rules", "styles", "zones"):
        for key in v.get(block) or {}:
            out[key] = block
    return out


_CHANGE = re.compile(r"^([+-]?[0-9.]+ mm) ([a-z][a-z ]+)$")


@functools.lru_cache(maxsize=1)
def _english_names() -> dict[str, tuple[str, str]]:
    """English name of every measure (foot and last) to its block and key."""
    v = load_vocabulary()
    out = {e["en"]: ("measures", k) for k, e in v["measures"].items()}
    out.update({e["en"]: ("last_measures", k) for k, e in v["last_measures"].items()})
    return out


@functools.lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], dict[str, str]]]:
    return [(re.compile(p["re"]), p) for p in load_vocabulary().get("patterns", [])]


def _pattern_values(m: re.Match[str], spec: Mapping[str, Any], lang: str) -> dict[str, str]:
    """Return a matched sentence's values in ``lang`` (sides, measures, reasons, words)."""
    values = {k: v for k, v in m.groupdict().items() if v is not None}
    for key in ("side", "other"):
        if key in values:
            values[key] = side_name(values[key], lang)
    if "measure" in values:
        values["measure"] = measure_name(values["measure"], lang)
    if "why" in values:
        values["why"] = readable(values["why"], lang)
    for key, value in list(values.items()):
        word = (spec.get("words") or {}).get(value)
        if word:
            values[key] = word.get(lang) or word["en"]
    return values


def readable(text: object, lang: str = "en") -> str:
    """Return free text (a warning, a reason) made readable in ``lang``.

    Known sentences are translated; any identifier left (``chippaux_smirak_index``,
    ``cavanagh_rodgers_1987``) becomes its name in the vocabulary, or words.

    Examples
    --------
    >>> readable("left foot: arch_index not measurable (no plantar surface in the scan)")
    'left foot: arch index not measurable (no sole in the scan)'
    >>> readable("left foot: arch_index not measurable (no plantar surface in the scan)", "zh")
    '左脚：足弓指数无法测量（扫描中没有脚底）'
    """
    text = " ".join(str(text).split())
    phrase = (load_vocabulary().get("phrases") or {}).get(text)
    if phrase and not text.startswith("_"):
        return str(phrase.get(lang) or phrase["en"])
    change = _CHANGE.match(text)
    if change and lang != "en":  # a last modification: "+9.6 mm heel seat width"
        found = _english_names().get(change.group(2))
        if found is not None:
            return f"{change.group(1)} {term(found[0], found[1], lang)}"
    for rx, spec in _patterns():
        m = rx.match(text)
        if m is not None:
            text = _pick(spec, lang, text).format(**_pattern_values(m, spec, lang))
            break
    known = _identifier_words()

    def name(m: re.Match[str]) -> str:
        key = m.group(0)
        block = known.get(key)
        if block == "measures":
            return measure_name(key, lang)
        if block is not None:
            return term(block, key, lang)
        return key.replace("_", " ")

    return _IDENT.sub(name, text)
