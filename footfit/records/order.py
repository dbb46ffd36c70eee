"""Production orders: from a stored fitting to what the factory builds.

:func:`order_feet` is the one place that reads a report's ``feet`` (and ``sizes``,
``pair_insole``) into the order's per-foot entries; the rest of the order (ids, customer,
style, files) never looks inside the report. :func:`write_order` writes the order folder:
``order.json`` (schema ``footfit/schema/order.schema.json``), the last mesh of each foot to
mill (``last_left.stl``, ``last_right.stl``: watertight, mm) and ``ticket.html`` (a printable
job ticket with a QR code of the order code).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["ORDER_SCHEMA_VERSION", "build_order", "load_order_schema", "order_feet",
           "relast_foot", "write_order"]

#: Version of the order.json layout.
ORDER_SCHEMA_VERSION = "1.0"

_SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "order.schema.json"
_SIZE_KEYS = ("eu", "uk", "us_men", "us_women", "mondopoint", "jp_cm", "cn_label")


def load_order_schema() -> dict[str, Any]:
    """Return the JSON Schema of ``order.json``."""
    return json.loads(_SCHEMA_PATH.read_text(encoding="utf-8"))


def _num(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def order_feet(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Map a report to the per-foot entries of an order (left before right).

    Reads, per foot: ``side``; the sizes (the pair's sizes, each foot's own length sizes
    from ``sizes.per_foot``); the last (``last`` block: the stock last it is nearest to, the
    build-ups the factory adds to it, in mm per zone, and the custom last's size and
    dimensions); the insole (the pair's pre-made SKU, or a custom insole when none fits);
    notes. Anything missing in the report is missing in the order, with a note: never
    guessed.

    Parameters
    ----------
    report : mapping
        A fitting report (``fit_report`` JSON).

    Returns
    -------
    list of dict
        One entry per foot: ``side``, ``sizes``, ``last``, ``insole``, ``notes``.
    """
    sizes = report.get("sizes") or {}
    pair_sizes = {k: sizes.get(k) for k in _SIZE_KEYS if sizes.get(k) is not None}
    own = {f.get("side"): f for f in sizes.get("per_foot") or ()}
    pair = report.get("pair_insole") or None
    out = []
    for foot in report.get("feet") or ():
        side = foot.get("side")
        notes: list[str] = []
        last = foot.get("last") or None
        entry_last: dict[str, Any] = {"custom": None, "stock": None, "build_up_mm": {}}
        if last is None:
            notes.append("no last: the report has no last parameters for this foot")
        else:
            stock = last.get("stock_last") or None
            if stock is not None:
                row = stock.get("stock_last") or {}
                # the report's build-up map (mm per zone) when it has one; else the positive
                # custom-minus-stock differences per dimension
                build = last.get("build_up_mm") or stock.get("build_up_mm") or {}
                if not build:
                    build = {k: v for k, v in (stock.get("deltas") or {}).items()
                             if isinstance(v, (int, float)) and v > 0}
                entry_last["stock"] = {
                    "id": str(stock.get("id") or row.get("id")),
                    "family": row.get("group") or row.get("family"),
                    "style": row.get("style"),
                    "size_mm": row.get("size_mm"),
                    "width": row.get("cn_width_type"),
                    "distance_mm": _num(stock.get("distance")),
                    "modifications": list(last.get("modifications")
                                          or stock.get("modifications") or ()),
                }
                entry_last["build_up_mm"] = {str(k): _num(v) for k, v in build.items()}
            else:
                notes.append("no stock last near enough: build on the custom last")
            entry_last["custom"] = {
                "size_label": last.get("size_label"), "style": last.get("style"),
                "fit": last.get("fit"), "heel_height_mm": _num(last.get("heel_height_mm")),
                "dimensions_mm": {k: _num(v) for k, v in last.items()
                                  if k.endswith("_mm") and isinstance(v, (int, float))},
                "mesh": None,
            }
            notes.extend(str(n) for n in last.get("notes") or ())
        foot_sizes = dict(pair_sizes)
        if side in own:
            foot_sizes["own"] = {k: v for k, v in own[side].items() if k != "side"}
        premade = bool(pair and pair.get("sku")
                       and pair.get("recommendation", "pre-made") == "pre-made")
        if premade:
            insole = {"kind": "pre-made", "sku": pair["sku"], "name": pair.get("name"),
                      "fit_score": (pair.get("fit_scores") or {}).get(side)}
        else:
            insole = {"kind": "custom", "sku": None, "name": None, "fit_score": None}
            notes.append((pair or {}).get("message")
                         or "no pre-made insole fits: make a custom insole from the scan")
        out.append({"side": side, "sizes": foot_sizes, "last": entry_last, "insole": insole,
                    "notes": notes})
    return out


def relast_foot(foot: Mapping[str, Any], *, style: str, heel_height_mm: float | None,
                fit: str, sex: str | None) -> dict[str, Any]:
    """Return a report foot with its ``last`` block redone for another style or heel height.

    The custom last comes from the foot's stored measurements (as the line made it); the
    stock last is searched again.
    """
    from footfit.last import LastParameters, generate_last, nearest_stock_last

    last = foot.get("last") or {}
    params = generate_last(dict(foot.get("measurements") or {}, side=foot.get("side")),
                           style=style, heel_height_mm=heel_height_mm, fit=fit, sex=sex,
                           ball_height_mm=last.get("ball_height_mm"))
    if not isinstance(params, LastParameters):  # pragma: no cover - defensive
        raise TypeError("generate_last returned an unexpected type")
    block = params.to_dict()
    matches = nearest_stock_last(params, k=1)
    if matches:
        from footfit.report import _stock_to_dict

        block["stock_last"] = _stock_to_dict(matches[0])
        block["modifications"] = list(matches[0].modifications)
    else:
        block["stock_last"], block["modifications"] = None, []
    return {**foot, "last": block}


def build_order(fitting: Mapping[str, Any], *, order_id: str, code: str, style: str | None,
                heel_height_mm: float | None = None) -> dict[str, Any]:
    """Return the ``order.json`` document of a stored fitting.

    Parameters
    ----------
    fitting : mapping
        ``{"fitting_id", "customer_id", "report"}`` (the report as stored).
    order_id, code : str
        The order's id and short code.
    style : str or None
        Shoe style to build; None keeps the fitting's. Another style (or heel height)
        redesigns each foot's last from its measurements.
    heel_height_mm : float, optional
        Heel height of the last (default: the fitting's, or the style's).
    """
    report = fitting["report"]
    options = report.get("options") or {}
    style = style or options.get("style") or "sport"
    if style != options.get("style") or (heel_height_mm is not None
                                         and heel_height_mm != options.get("heel_height_mm")):
        from footfit._core.validation import check_choice
        from footfit.last import available_styles

        check_choice(style, available_styles(), name="style")
        report = dict(report)
        report["feet"] = [relast_foot(f, style=style, heel_height_mm=heel_height_mm,
                                      fit=options.get("fit") or "standard",
                                      sex=options.get("sex"))
                          for f in report.get("feet") or ()]
    feet = order_feet(report)
    heel = heel_height_mm
    if heel is None:
        heels = [f["last"]["custom"]["heel_height_mm"] for f in feet if f["last"]["custom"]]
        heel = heels[0] if heels else options.get("heel_height_mm")
    return {
        "schema_version": ORDER_SCHEMA_VERSION,
        "order_id": order_id,
        "code": code,
        "status": "new",
        "customer_id": fitting["customer_id"],
        "fitting_id": fitting["fitting_id"],
        "footfit_version": report.get("footfit_version"),
        "style": style,
        "fit": options.get("fit"),
        "heel_height_mm": _num(heel),
        "feet": feet,
        "notes": list(report.get("warnings") or ()),
        "_report": report,  # the feet's last blocks for the meshes; dropped before writing
    }


def write_order(document: dict[str, Any], out_dir: str | Path, *,
                meshes: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], list[Path]]:
    """Write ``order.json``, the last meshes and ``ticket.html`` into ``out_dir``.

    ``meshes`` maps a side to the custom last built from the scan
    (:func:`footfit.last.build_custom_last`, ``FootReport.custom_last.mesh``); a side
    without one gets the last rebuilt from its parameters.

    Returns
    -------
    (dict, list of Path)
        The document as written (with each foot's mesh file name) and the files.
    """
    from footfit._core.atomic import write_text_atomic
    from footfit.last import LastParameters, write_last_mesh
    from footfit.records.ticket import render_ticket

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    doc = dict(document)
    report = doc.pop("_report", {})
    written: list[Path] = []
    by_side = {f.get("side"): f for f in report.get("feet") or ()}
    try:
        for foot in doc["feet"]:
            last = (by_side.get(foot["side"]) or {}).get("last")
            if last and foot["last"]["custom"] is not None:
                path = out / f"last_{foot['side']}.stl"
                mesh = (meshes or {}).get(foot["side"])
                if mesh is not None:  # the last built from the scan itself
                    from footfit._core.atomic import write_atomic

                    write_atomic(path, [mesh.export(file_type="stl")])
                    written.append(path)
                    foot["last"]["custom"]["built_from_scan"] = True
                else:
                    params = LastParameters.from_dict(last)  # the report's last block
                    written.append(write_last_mesh(params, path, side=foot["side"]))
                    foot["last"]["custom"]["built_from_scan"] = False
                foot["last"]["custom"]["mesh"] = path.name
        text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
        write_text_atomic(out / "order.json", text + "\n")
        written.append(out / "order.json")
        write_text_atomic(out / "ticket.html", render_ticket(doc))
        written.append(out / "ticket.html")
    except BaseException:
        for p in written:
            p.unlink(missing_ok=True)
        raise
    return doc, written
