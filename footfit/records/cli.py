"""Command-line parts of the records: ``process --customer``, ``records ...``, ``order``.

``footfit/app/cli.py`` calls :func:`add_process_options`, :func:`add_records`, :func:`add_order`
and :class:`~footfit.records.recording.Recording` (re-exported here); this module imports only
argparse at load time (SQLAlchemy is loaded by the commands that use the store), so
``footfit --help`` stays fast.
"""

from __future__ import annotations

import argparse
import functools
import json
from collections.abc import Callable
from typing import Any

from footfit.records.recording import Recording, _records_installed

__all__ = ["Recording", "add_order", "add_process_options", "add_records"]

_DB_HELP = ("records database: a file path (SQLite) or a URL (sqlite:///path, "
            "postgresql://user@host/db); default $FOOTFIT_DB, else footfit.db in the user's "
            "data folder (created on first use)")


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", default=None, help=_DB_HELP)


def _customer(text: str) -> str:
    from footfit.records.config import check_customer_id

    try:
        return check_customer_id(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("`customer` ", "")) from None


def _record_id(text: str) -> str:
    from footfit.records.config import check_record_id

    try:
        return check_record_id(text.lower())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("`fitting` ", "")) from None


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False))


def _open(args: argparse.Namespace) -> Any:
    """Open an existing store (reading commands never create a database)."""
    _records_installed()
    from pathlib import Path

    from footfit.exceptions import FootfitError
    from footfit.records.config import resolve_db_url

    url = resolve_db_url(args.db)
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).is_file():
        raise FootfitError(f"no records database at {url[len('sqlite:///'):]}: nothing has "
                           "been stored there yet (footfit process SCAN --customer ID)")
    from footfit.records.store import RecordStore

    return RecordStore(url)


def _db_errors(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Database trouble (server down, disk full, locked too long) as one FootfitError line."""

    @functools.wraps(func)
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except Exception as exc:
            if type(exc).__module__.startswith(("sqlalchemy", "psycopg", "sqlite3", "alembic")):
                from footfit.exceptions import FootfitError

                orig = getattr(exc, "orig", None) or exc
                raise FootfitError(f"records database: {' '.join(str(orig).split())}") from exc
            raise

    return run


# --------------------------------------------------------------------------- process
def add_process_options(p: argparse.ArgumentParser) -> None:
    """Add ``--customer`` and ``--db`` to ``footfit process``."""
    p.add_argument("--customer", metavar="ID", type=_customer, default=None,
                   help="store the scan and the fitting under this customer id (letters, "
                   "digits, '.', '_', '-'; up to 64); the report gains a 'record' block")
    _add_db(p)


# --------------------------------------------------------------------------- records
def add_records(sub: argparse._SubParsersAction) -> None:
    """Register ``footfit records`` and its subcommands."""
    p = sub.add_parser(
        "records", help="stored fittings: list, show, compare, reprocess, export, delete",
        description="Fittings stored by `footfit process SCAN --customer ID` (and the "
        "service's POST /v1/fit with a customer). " + _DB_HELP[0].upper() + _DB_HELP[1:] + ".",
    )
    rs = p.add_subparsers(dest="records_command", metavar="ACTION",
                          help="what to do with the stored records (see each action's --help)")
    rs.required = True

    q = rs.add_parser("list", help="a customer's fittings and orders (oldest first)")
    q.add_argument("--customer", metavar="ID", type=_customer, required=True)
    q.set_defaults(func=_run_list)

    q = rs.add_parser("show", help="a stored fitting's report (as it was returned)")
    q.add_argument("fitting", metavar="FITTING", type=_record_id, help="fitting id")
    q.set_defaults(func=_run_show)

    q = rs.add_parser("compare", help="per-measure changes between two fittings, per foot, "
                      "with the sizes each implies")
    q.add_argument("a", metavar="A", type=_record_id, help="earlier fitting id")
    q.add_argument("b", metavar="B", type=_record_id, help="later fitting id")
    q.set_defaults(func=_run_compare)

    q = rs.add_parser("reprocess", help="run a stored scan through this footfit version, "
                      "kept as a new fitting")
    q.add_argument("fitting", metavar="FITTING", type=_record_id, help="fitting id")
    q.set_defaults(func=_run_reprocess)

    q = rs.add_parser("export", help="every fitting (or a customer's) as a table, one row "
                      "per foot")
    q.add_argument("--format", choices=["csv", "parquet"], default="csv")
    q.add_argument("--out", metavar="FILE", required=True, help="output file")
    q.add_argument("--customer", metavar="ID", type=_customer, default=None)
    q.set_defaults(func=_run_export)

    q = rs.add_parser("delete", help="erase a customer: rows, stored scan files and the "
                      "files written for their orders")
    q.add_argument("--customer", metavar="ID", type=_customer, required=True)
    q.set_defaults(func=_run_delete)

    q = rs.add_parser("status", help="move an order on: new -> in_production -> done")
    q.add_argument("order", metavar="ORDER", help="order id or code")
    q.add_argument("status", choices=["in_production", "done"])
    q.set_defaults(func=_run_status)

    for q in rs.choices.values():
        _add_db(q)
        q.add_argument("--json", action="store_true", help="print JSON")


@_db_errors
def _run_list(args: argparse.Namespace) -> int:
    from footfit.records.store import RecordNotFoundError

    with _open(args) as store:
        fittings = store.list_fittings(args.customer)
        orders = store.list_orders(args.customer)
        if not fittings and not store.has_customer(args.customer):
            raise RecordNotFoundError(f"no customer {args.customer} in {store.display_url}")
    if args.json:
        _print_json({"customer_id": args.customer,
                     "fittings": [_list_line(f) for f in fittings],
                     "orders": [o.summary() for o in orders]})
        return 0
    print(f"customer {args.customer}: {len(fittings)} fitting(s), {len(orders)} order(s)")
    for f in fittings:
        line = _list_line(f)
        lengths = ", ".join(f"{s} {v:.1f} mm" for s, v in line["foot_length_mm"].items()
                            if v is not None)
        print(f"  {f.id}  {line['created_at'][:19]}  {f.scan_filename}  "
              f"{line['style']}  EU {line['eu']}  ({lengths or 'no length'})")
    for o in orders:
        print(f"  order {o.code}  {o.status:<13}  {o.style}  fitting {o.fitting_id}")
    return 0


def _list_line(f: Any) -> dict[str, Any]:
    report = f.report
    d = f.summary()
    d["style"] = (report.get("options") or {}).get("style")
    d["eu"] = (report.get("sizes") or {}).get("eu")
    d["foot_length_mm"] = {ft.get("side"): (ft.get("measurements") or {}).get("foot_length_mm")
                           for ft in report.get("feet") or ()}
    return d


@_db_errors
def _run_show(args: argparse.Namespace) -> int:
    with _open(args) as store:
        f = store.get_fitting(args.fitting)
    if args.json:
        print(f.report_json)
        return 0
    report = f.report
    print(f"fitting {f.id} of customer {f.customer_id}, {f.summary()['created_at']}")
    print(f"scan {f.scan_filename}; footfit {f.footfit_version}; options "
          + ", ".join(f"{k}={v}" for k, v in f.options.items() if v is not None))
    if f.parent_id:
        print(f"reprocessed from fitting {f.parent_id}")
    sizes = report.get("sizes") or {}
    if sizes:
        print(f"sizes: EU {sizes.get('eu')}, UK {sizes.get('uk')}, US men "
              f"{sizes.get('us_men')}, Mondopoint {sizes.get('mondopoint')}, CN "
              f"{sizes.get('cn_label')}")
    for foot in report.get("feet") or ():
        m = foot.get("measurements") or {}
        shown = ", ".join(f"{k.removesuffix('_mm').replace('_', ' ')} {v:.1f}"
                          for k, v in m.items() if k.endswith("_mm") and isinstance(v, float))
        print(f"{foot.get('side')} foot (mm): {shown}")
    pair = report.get("pair_insole") or {}
    if pair:
        print(f"insole: {pair.get('sku')} {pair.get('name')}")
    return 0


@_db_errors
def _run_compare(args: argparse.Namespace) -> int:
    from footfit.records.compare import compare_reports

    with _open(args) as store:
        a, b = store.get_fitting(args.a), store.get_fitting(args.b)
    result = compare_reports(a.report, b.report)
    result = {"a": a.summary(), "b": b.summary(), **result}
    if args.json:
        _print_json(result)
        return 0
    if a.customer_id != b.customer_id:
        print(f"note: the fittings belong to two customers ({a.customer_id}, {b.customer_id})")
    print(f"A {a.id} ({a.summary()['created_at'][:10]})  ->  B {b.id} "
          f"({b.summary()['created_at'][:10]})")
    for side, foot in result["feet"].items():
        print(f"{side} foot:")
        for name, d in foot["measurements"].items():
            if d["change"] is None:
                print(f"  {name:<28} {_v(d['a']):>9} {_v(d['b']):>9}   (not measured in both)")
            else:
                print(f"  {name:<28} {_v(d['a']):>9} {_v(d['b']):>9} {d['change']:+9.1f}")
        for which in ("a", "b"):
            s = foot["sizes"][which]
            if s and "error" not in s:
                print(f"  sizes {which.upper()}: EU {s['eu']}, UK {s['uk']}, US men "
                      f"{s['us_men']}, Mondopoint {s['mondopoint']}, CN {s['cn_label']}")
            elif s:
                print(f"  sizes {which.upper()}: none ({s['error']})")
    for key, label in (("only_in_a", "A"), ("only_in_b", "B")):
        for side in result[key]:
            print(f"{side} foot measured only in {label}")
    return 0


def _v(value: Any) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)


@_db_errors
def _run_reprocess(args: argparse.Namespace) -> int:
    from footfit.pipeline import process

    with _open(args) as store:
        old = store.get_fitting(args.fitting)
        options = {k: v for k, v in old.options.items()
                   if k in ("style", "fit", "units", "sex", "profile", "heel_height_mm")}
        with store.scan_file(old.scan_id) as (path, name):
            report = process(str(path), **options)
            data = json.loads(report.to_json())
            if isinstance(data.get("scan"), dict):
                data["scan"]["source"] = name  # the stored file's name, not the temp copy
            new = store.add_fitting(path, data, customer_id=old.customer_id, scan_name=name,
                                    parent_id=old.id)
    if args.json:
        print(new.report_json)
    else:
        print(f"fitting {new.id} stored for customer {new.customer_id} (reprocessed "
              f"{old.id}, footfit {old.footfit_version} -> {new.footfit_version})")
    return 0


@_db_errors
def _run_export(args: argparse.Namespace) -> int:
    from footfit.records.export import fitting_rows, write_export

    with _open(args) as store:
        rows = fitting_rows(store.list_fittings(args.customer))
    path = write_export(rows, args.out, format=args.format)
    if args.json:
        _print_json({"path": str(path), "format": args.format, "rows": len(rows)})
    else:
        print(f"{len(rows)} rows (one per foot) written to {path}")
    return 0


@_db_errors
def _run_delete(args: argparse.Namespace) -> int:
    with _open(args) as store:
        done = store.delete_customer(args.customer)
    if args.json:
        _print_json(done.to_dict())
    else:
        print(f"customer {done.customer_id} erased: {done.fittings} fitting(s), {done.scans} "
              f"scan(s) ({done.scan_files} file(s)), {done.orders} order(s) "
              f"({len(done.order_files)} order file(s))")
    return 0


@_db_errors
def _run_status(args: argparse.Namespace) -> int:
    with _open(args) as store:
        order = store.set_order_status(args.order, args.status)
    if args.json:
        _print_json(order.summary())
    else:
        print(f"order {order.code} is now {order.status}")
    return 0


# --------------------------------------------------------------------------- order
def add_order(sub: argparse._SubParsersAction) -> None:
    """Register ``footfit order``."""
    p = sub.add_parser(
        "order", help="make a production order from a stored fitting",
        description="Write OUT/order.json (schema footfit/schema/order.schema.json), the "
        "last mesh of each foot to mill (OUT/last_left.stl, OUT/last_right.stl) and a "
        "printable job ticket (OUT/ticket.html, QR code of the order code); store the order.",
    )
    p.add_argument("fitting", metavar="FITTING", type=_record_id, help="fitting id")
    p.add_argument("--style", default=None,
                   help="shoe style to build (default: the fitting's); another style "
                   "redesigns the lasts from the stored measurements")
    p.add_argument("--heel-height", dest="heel_height_mm", type=float, default=None,
                   metavar="MM", help="heel height (default: the fitting's or the style's)")
    p.add_argument("--out", metavar="DIR", required=True, help="output folder (created)")
    _add_db(p)
    p.add_argument("--json", action="store_true", help="print the order JSON")
    p.set_defaults(func=_run_order)


def _scan_lasts(store: Any, fitting: Any, style: str | None,
                heel_height_mm: float | None) -> dict[str, Any]:
    """Return the custom lasts built from the fitting's stored scan (side -> mesh).

    They are the order's meshes to mill; empty when the scan cannot be read back or has no
    foot to build from.
    """
    from footfit.exceptions import FootfitError
    from footfit.pipeline import process

    options = {k: v for k, v in fitting.options.items()
               if k in ("style", "fit", "units", "sex", "profile", "heel_height_mm")}
    if style:
        options["style"] = style
    if heel_height_mm is not None:
        options["heel_height_mm"] = heel_height_mm
    try:
        with store.scan_file(fitting.scan_id) as (path, _name):
            report = process(str(path), simulate_fit=False, **options)
    except (FootfitError, OSError, ValueError):
        return {}
    return {f.side: f.custom_last.mesh for f in report.feet if f.custom_last is not None}


@_db_errors
def _run_order(args: argparse.Namespace) -> int:
    from pathlib import Path

    from footfit.exceptions import InvalidParameterError
    from footfit.records.order import build_order, write_order

    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise InvalidParameterError(f"--out {args.out}: not a folder")
    if args.heel_height_mm is not None and not 0 <= args.heel_height_mm <= 150:
        raise InvalidParameterError(f"--heel-height must be 0-150 mm; got "
                                    f"{args.heel_height_mm:g}")
    with _open(args) as store:
        fitting = store.get_fitting(args.fitting)
        written: list[Any] = []
        meshes = _scan_lasts(store, fitting, args.style, args.heel_height_mm)

        def make(order_id: str, code: str) -> tuple[dict[str, Any], list[Any]]:
            doc = build_order({"fitting_id": fitting.id, "customer_id": fitting.customer_id,
                               "report": fitting.report}, order_id=order_id, code=code,
                              style=args.style, heel_height_mm=args.heel_height_mm)
            doc, files = write_order(doc, args.out, meshes=meshes)
            written[:] = files
            return doc, files

        try:
            order = store.add_order(fitting.id, make)
        except BaseException:
            for f in written:
                f.unlink(missing_ok=True)
            raise
    if args.json:
        print(order.document_json)
        return 0
    print(f"order {order.code} ({order.id}) for customer {order.customer_id}: {order.style}, "
          f"status {order.status}")
    for f in order.files:
        print(f"  {f}")
    return 0
