"""The records through the command line: process --customer, records ..., order."""

import csv
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")


from footfit.app.cli import main  # noqa: E402

SCANS = Path(__file__).resolve().parent.parent / "sample_scans"
SCAN_A = SCANS / "demo_two_feet.ply"
SCAN_B = SCANS / "two_feet_f_high_cm.ply"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out), out


class _Ticket(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.slow
def test_round_trip_process_list_show_compare_order_reprocess_export_delete(
        db_url, tmp_path, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    trimesh = pytest.importorskip("trimesh")
    db = ["--db", db_url]
    r1, text1 = run_json(capsys, "process", SCAN_A, "--customer", "C-7", *db)
    r2, _ = run_json(capsys, "process", SCAN_B, "--customer", "C-7", *db)
    f1, f2 = r1["record"]["fitting_id"], r2["record"]["fitting_id"]
    from footfit.report import load_schema

    jsonschema.Draft202012Validator(load_schema()).validate(r1)  # `record` is in the schema
    assert r1["record"]["customer_id"] == "C-7" and f1 != f2

    listed, _ = run_json(capsys, "records", "list", "--customer", "C-7", *db)
    assert [f["fitting_id"] for f in listed["fittings"]] == [f1, f2]

    code, shown, _ = run(capsys, "records", "show", f1, "--json", *db)
    assert code == 0 and shown == text1  # the stored report is the one returned

    cmp, _ = run_json(capsys, "records", "compare", f1, f2, *db)
    for side in ("left", "right"):
        a = next(f for f in r1["feet"] if f["side"] == side)["measurements"]
        b = next(f for f in r2["feet"] if f["side"] == side)["measurements"]
        row = cmp["feet"][side]["measurements"]["foot_length_mm"]
        assert row["change"] == pytest.approx(b["foot_length_mm"] - a["foot_length_mm"],
                                              abs=1e-3)
        assert cmp["feet"][side]["sizes"]["a"]["eu"] > 0

    out_dir = tmp_path / "order"
    order, _ = run_json(capsys, "order", f1, "--style", "boot", "--out", out_dir, *db)
    from footfit.records.order import load_order_schema

    on_disk = json.loads((out_dir / "order.json").read_text())
    jsonschema.Draft202012Validator(load_order_schema()).validate(on_disk)
    assert on_disk == order and order["style"] == "boot" and order["customer_id"] == "C-7"
    assert [f["side"] for f in order["feet"]] == ["left", "right"]
    for foot in order["feet"]:
        assert foot["last"]["custom"]["style"] == "boot"  # redesigned for the style
        mesh = trimesh.load(out_dir / foot["last"]["custom"]["mesh"], force="mesh")
        assert mesh.is_watertight and mesh.is_volume
        length = mesh.bounds[1] - mesh.bounds[0]
        assert 200 < length.max() < 330  # mm, a last's length
    ticket = _Ticket()
    ticket.feed((out_dir / "ticket.html").read_text())
    assert "svg" in ticket.tags and "path" in ticket.tags
    assert order["code"] in "".join(ticket.text)
    status, _ = run_json(capsys, "records", "status", order["code"], "in_production", *db)
    assert status["status"] == "in_production"

    again, _ = run_json(capsys, "records", "reprocess", f1, *db)
    f3 = again["record"]["fitting_id"]
    assert f3 not in (f1, f2) and again["scan"]["source"] == SCAN_A.name
    for new, old in zip(again["feet"], r1["feet"], strict=True):
        assert new["measurements"]["foot_length_mm"] == pytest.approx(
            old["measurements"]["foot_length_mm"], abs=1e-6)
    listed, _ = run_json(capsys, "records", "list", "--customer", "C-7", *db)
    assert listed["fittings"][-1]["parent_id"] == f1
    assert len(listed["orders"]) == 1

    csv_path = tmp_path / "fittings.csv"
    done, _ = run_json(capsys, "records", "export", "--format", "csv", "--out", csv_path, *db)
    with csv_path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert done["rows"] == len(rows) == 6  # 3 fittings x 2 feet
    assert {r["fitting_id"] for r in rows} == {f1, f2, f3}
    assert float(rows[0]["foot_length_mm"]) == pytest.approx(
        r1["feet"][0]["measurements"]["foot_length_mm"], abs=1e-3)
    pq = pytest.importorskip("pyarrow.parquet")
    pq_path = tmp_path / "fittings.parquet"
    run_json(capsys, "records", "export", "--format", "parquet", "--out", pq_path, *db)
    table = pq.read_table(pq_path)
    assert table.num_rows == 6 and set(table.column("customer_id").to_pylist()) == {"C-7"}

    erased, _ = run_json(capsys, "records", "delete", "--customer", "C-7", *db)
    assert (erased["fittings"], erased["scans"], erased["orders"]) == (3, 2, 1)
    assert not any(out_dir.iterdir()) if out_dir.exists() else True
    code, _, err = run(capsys, "records", "list", "--customer", "C-7", *db)
    assert code == 2 and "no customer C-7" in err
    from footfit.records.store import RecordStore

    with RecordStore(db_url) as store:
        assert store.counts() == {"customers": 0, "scans": 0, "fittings": 0, "orders": 0}
        assert store.stored_scan_files() == []


def test_process_without_customer_creates_no_database_and_with_one_the_default(
        tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("FOOTFIT_DB", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    code, _, err = run(capsys, "process", SCANS / "demo_right_m.ply", "--json")
    assert code == 0, err
    # no database anywhere; only the stock-last mesh cache (footfit.fit.cache: no personal
    # data, FOOTFIT_CACHE=off turns it off) may appear under ~/.cache
    home = tmp_path / "home"
    assert not (tmp_path / "data").exists()
    assert not home.exists() or {p.name for p in home.iterdir()} <= {".cache"}
    assert not list(home.rglob("*.db")) if home.exists() else True
    code, out, err = run(capsys, "process", SCANS / "demo_right_m.ply", "--customer", "K1")
    assert code == 0, err
    assert "stored as fitting" in out
    db = tmp_path / "data" / "footfit" / "footfit.db"
    assert db.is_file()  # created on first use, in the user's data folder
    listed, _ = run_json(capsys, "records", "list", "--customer", "K1")
    assert len(listed["fittings"]) == 1


@pytest.mark.parametrize("argv, message", [
    (["process", "X", "--customer", "a b"], "must be 1-64 letters"),
    (["records", "show", "1; DROP TABLE fittings"], "32 hex digits"),
    (["records", "list", "--customer", "x'--"], "must be 1-64 letters"),
])
def test_bad_ids_are_usage_errors(argv, message, capsys, tmp_path):
    code, _, err = run(capsys, *argv, "--db", tmp_path / "f.db")
    assert code == 2 and message in err
    assert not (tmp_path / "f.db").exists()


def test_errors_are_one_line(capsys, tmp_path):
    from footfit.records.store import RecordStore

    code, _, err = run(capsys, "records", "show", "0" * 32, "--db", tmp_path / "f.db")
    assert code == 2 and err.count("\n") == 1 and "no records database at" in err
    assert not (tmp_path / "f.db").exists()  # reading never creates a database
    RecordStore(tmp_path / "f.db").close()
    code, _, err = run(capsys, "records", "show", "0" * 32, "--db", tmp_path / "f.db")
    assert code == 2 and err.count("\n") == 1 and "no fitting" in err
    code, _, err = run(capsys, "records", "list", "--customer", "C1", "--db",
                       "postgresql://nobody@127.0.0.1:1/none")
    assert code == 2 and err.count("\n") == 1 and "records database" in err
    code, _, err = run(capsys, "process", SCANS / "demo_right_m.ply", "--customer", "C1",
                       "--db", "mysql://u@h/db")
    assert code == 2 and "SQLite" in err


def test_import_footfit_and_help_do_not_load_sqlalchemy():
    code = ("import sys, footfit, footfit.app.cli; footfit.app.cli.build_parser(); "
            "print(sorted(m for m in ('sqlalchemy', 'alembic', 'psycopg', 'segno') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=dict(os.environ)).stdout
    assert out.strip() == "[]"


def test_a_scan_that_fails_stores_nothing(tmp_path, capsys):
    bad = tmp_path / "broken.ply"
    bad.write_bytes(b"ply\nformat ascii 1.0\nelement vertex 3\nend_header\n1 2\n")
    db = tmp_path / "f.db"
    code, _, err = run(capsys, "process", bad, "--customer", "C-1", "--db", db)
    assert code == 3 and "broken.ply" in err
    from footfit.records.store import RecordStore

    with RecordStore(db) as store:  # the helper may have made the database, nothing else
        assert store.counts() == {"customers": 0, "scans": 0, "fittings": 0, "orders": 0}
        assert store.stored_scan_files() == []


def test_process_customer_stores_the_scan_and_fitting_columns_from_the_report(
        tmp_path, capsys):
    # the forked helper gets the columns on a line of their own, not by parsing the report
    import sqlalchemy as sa

    from footfit.records import models as m
    from footfit.records.store import RecordStore

    db = tmp_path / "cols.db"
    report, text = run_json(capsys, "process", SCANS / "demo_right_m.ply", "--customer", "K2",
                            "--db", db)
    with RecordStore(db) as store:
        fitting = store.get_fitting(report["record"]["fitting_id"])
        assert fitting.report_json == text.rstrip("\n")
        assert fitting.options == report["options"]
        assert (fitting.footfit_version, fitting.schema_version) == (
            report["footfit_version"], report["schema_version"])
        with store.engine.connect() as conn:
            row = conn.execute(sa.select(m.scans.c.format, m.scans.c.units,
                                         m.scans.c.points)).one()
    scan = report["scan"]
    assert tuple(row) == (scan["format"], scan["units_detected"], scan["points_in"])
