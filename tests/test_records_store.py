"""The records store on SQLite and on a real PostgreSQL server: storage, dedup, deletion,
orders, concurrent writers, writers killed mid-transaction.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")


from footfit.records.config import check_customer_id, resolve_db_url  # noqa: E402
from footfit.records.store import (  # noqa: E402
    RecordNotFoundError,
    RecordStore,
    file_sha256,
)

REPORT = {"schema_version": "1.0", "footfit_version": "0.1.0",
          "options": {"style": "sport", "fit": "standard"},
          "scan": {"format": "ply", "points_in": 3, "units_detected": "mm"},
          "feet": [{"side": "left", "measurements": {"foot_length_mm": 250.0}}]}


def _scan(folder: Path, name: str = "scan.ply", content: bytes = b"ply\nfake scan 1\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


def _scan_rows(store):
    import sqlalchemy as sa

    from footfit.records import models as m

    with store.engine.connect() as conn:
        return conn.execute(sa.select(m.scans.c.customer_id, m.scans.c.sha256)).all()


def test_same_scan_twice_is_kept_once_but_gives_two_fittings(db_url, tmp_path):
    scan = _scan(tmp_path / "in")
    with RecordStore(db_url) as store:
        a = store.add_fitting(scan, REPORT, customer_id="C-1")
        b = store.add_fitting(scan, REPORT, customer_id="C-1")
        assert a.id != b.id and a.scan_id == b.scan_id
        assert len(_scan_rows(store)) == 1
        assert [f.id for f in store.list_fittings("C-1")] == [a.id, b.id]
        got = store.get_fitting(a.id)
        assert got.report_json == a.report_json  # exactly what was returned
        assert got.report["record"] == {"fitting_id": a.id, "customer_id": "C-1",
                                        "stored_at": a.summary()["created_at"]}
        assert store.counts() == {"customers": 1, "scans": 1, "fittings": 2, "orders": 0}
        # the stored bytes come back intact, under the original extension
        with store.scan_file(a.scan_id) as (path, name):
            assert path.read_bytes() == scan.read_bytes() and name == "scan.ply"
            assert path.suffix == ".ply"


def test_scan_files_are_content_addressed_beside_sqlite_or_in_a_blob_column(db_url, tmp_path):
    scan = _scan(tmp_path / "in")
    with RecordStore(db_url) as store:
        store.add_fitting(scan, REPORT, customer_id="C-1")
        if store.dialect == "sqlite":
            files = store.stored_scan_files()
            assert [f.name for f in files] == [file_sha256(scan)]
            assert files[0].parent.parent == Path(db_url).parent / "footfit-scans"
            assert files[0].stat().st_mode & 0o077 == 0  # personal data: owner only
        else:
            assert store.files_dir is None and store.stored_scan_files() == []


def test_delete_customer_erases_rows_and_files_and_leaves_others(db_url, tmp_path):
    shared = _scan(tmp_path / "in", "shared.ply", b"ply\nsame bytes for both\n")
    own = _scan(tmp_path / "in", "own.ply", b"ply\nonly C-1 has this\n")
    with RecordStore(db_url) as store:
        store.add_fitting(shared, REPORT, customer_id="C-1")
        store.add_fitting(own, REPORT, customer_id="C-1")
        kept = store.add_fitting(shared, REPORT, customer_id="C-2")
        order_file = tmp_path / "orders" / "ticket.html"
        order_file.parent.mkdir()

        def make(order_id, code):
            order_file.write_text("ticket")
            return {"style": "sport", "code": code}, [order_file]

        store.add_order(store.list_fittings("C-1")[0].id, make)
        done = store.delete_customer("C-1")
        assert (done.fittings, done.scans, done.orders) == (2, 2, 1)
        assert not order_file.exists() and not order_file.parent.exists()
        assert store.list_fittings("C-1") == [] and not store.has_customer("C-1")
        assert {r.customer_id for r in _scan_rows(store)} == {"C-2"}
        if store.dialect == "sqlite":
            # C-1's own file is gone; the shared bytes stay for C-2
            assert done.scan_files == 1
            assert [f.name for f in store.stored_scan_files()] == [file_sha256(shared)]
        with store.scan_file(kept.scan_id) as (path, _):
            assert path.read_bytes() == shared.read_bytes()
        with pytest.raises(RecordNotFoundError, match="no customer C-1"):
            store.delete_customer("C-1")


@pytest.mark.parametrize("bad", ["", "a b", "x; DROP TABLE customers", "../etc", "-lead",
                                 "é", "a" * 65, "C-1\n"])
def test_customer_ids_are_validated(bad, tmp_path):
    with pytest.raises(ValueError, match="`customer` must be 1-64 letters"):
        check_customer_id(bad)
    with RecordStore(tmp_path / "f.db") as store:
        with pytest.raises(ValueError, match="customer"):
            store.add_fitting(_scan(tmp_path), REPORT, customer_id=bad)
        with pytest.raises(ValueError, match="customer"):
            store.list_fittings(bad)
        assert store.counts()["customers"] == 0


def test_sqlite_durability_is_normal_by_default_and_full_on_request(tmp_path, monkeypatch):
    from footfit.exceptions import InvalidParameterError

    def synchronous(store):
        with store.engine.connect() as conn:
            return (conn.exec_driver_sql("PRAGMA synchronous").scalar(),
                    conn.exec_driver_sql("PRAGMA journal_mode").scalar())

    monkeypatch.delenv("FOOTFIT_DB_SYNC", raising=False)
    with RecordStore(tmp_path / "f.db") as store:
        assert synchronous(store) == (1, "wal")  # NORMAL
    with RecordStore(tmp_path / "f.db", synchronous="full") as store:
        assert synchronous(store) == (2, "wal")  # FULL
    monkeypatch.setenv("FOOTFIT_DB_SYNC", "FULL")
    with RecordStore(tmp_path / "f.db") as store:
        assert synchronous(store) == (2, "wal")
    monkeypatch.setenv("FOOTFIT_DB_SYNC", "off")
    with pytest.raises(InvalidParameterError, match=r"\$FOOTFIT_DB_SYNC must be one of normal"):
        RecordStore(tmp_path / "f.db")


def test_a_report_given_as_text_with_its_meta_is_stored_as_given(tmp_path):
    from footfit.records._text import report_meta

    text = json.dumps(REPORT, indent=2)
    with RecordStore(tmp_path / "f.db") as store:
        a = store.add_fitting(_scan(tmp_path), text, customer_id="C-1")
        b = store.add_fitting(_scan(tmp_path), text, customer_id="C-1",
                              meta=report_meta(REPORT))
        for rec in (a, b):
            got = store.get_fitting(rec.id)
            assert got.report_json == rec.report_json
            assert json.loads(got.report_json)["record"]["fitting_id"] == rec.id
            assert got.options == REPORT["options"]
            assert (got.footfit_version, got.schema_version) == ("0.1.0", "1.0")
        assert store.counts()["scans"] == 1


def test_bad_ids_and_urls_are_refused(tmp_path):
    with RecordStore(tmp_path / "f.db") as store:
        with pytest.raises(ValueError, match="32 hex digits"):
            store.get_fitting("1 OR 1=1")
        with pytest.raises(RecordNotFoundError, match="no fitting"):
            store.get_fitting("0" * 32)
        with pytest.raises(ValueError, match="order id"):
            store.get_order("nope")
    with pytest.raises(ValueError, match="SQLite .* or PostgreSQL"):
        resolve_db_url("mysql://u@h/db")
    assert resolve_db_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"


def test_order_status_moves_forward_only(db_url, tmp_path):
    with RecordStore(db_url) as store:
        fit = store.add_fitting(_scan(tmp_path), REPORT, customer_id="C-1")
        order = store.add_order(fit.id, lambda oid, code: ({"style": "boot", "order_id": oid,
                                                            "code": code}, []))
        assert order.status == "new" and len(order.code) == 8
        assert store.get_order(order.code).id == order.id
        assert store.get_order(order.code.lower()).id == order.id
        assert store.get_order(order.id).document["code"] == order.code
        with pytest.raises(ValueError, match="can only move to in_production"):
            store.set_order_status(order.id, "done")
        assert store.set_order_status(order.code, "in_production").status == "in_production"
        assert store.set_order_status(order.id, "done").status == "done"
        assert store.get_order(order.id).document["status"] == "done"
        with pytest.raises(ValueError, match="nothing"):
            store.set_order_status(order.id, "done")


# ---------------------------------------------------------------------- concurrency and crashes
_WRITER = """
import json, sys
from footfit.records.store import RecordStore
url, scan, customer, n, report = sys.argv[1:]
store = RecordStore(url)
ids = [store.add_fitting(scan, json.loads(report), customer_id=customer).id
       for _ in range(int(n))]
print(json.dumps(ids))
"""


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent) + os.pathsep + \
        env.get("PYTHONPATH", "")
    return env


def test_sixteen_concurrent_writers_lose_nothing(db_url, tmp_path):
    """8 processes and 8 threads, all opening the same (new) database at once."""
    per_writer = 5
    scans = [_scan(tmp_path / "in", f"s{i}.ply", f"ply\nscan {i % 3}\n".encode())
             for i in range(16)]
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, db_url, str(scans[i]),
                               f"C-{i % 4}", str(per_writer), json.dumps(REPORT)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=_env())
             for i in range(8)]
    ids: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def thread_writer(i: int) -> None:
        try:
            store = RecordStore(db_url)
            got = [store.add_fitting(scans[i], REPORT, customer_id=f"C-{i % 4}").id
                   for _ in range(per_writer)]
            store.close()
            with lock:
                ids.extend(got)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=thread_writer, args=(i,)) for i in range(8, 16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-2000:]
        ids.extend(json.loads(out))
    assert not errors, errors
    assert len(ids) == len(set(ids)) == 16 * per_writer
    with RecordStore(db_url) as store:
        stored = {f.id for f in store.list_fittings()}
        assert stored == set(ids)
        # 16 files with 3 distinct contents, 4 customers: each (customer, content) once
        pairs = {(f"C-{i % 4}", file_sha256(scans[i])) for i in range(16)}
        assert sorted(map(tuple, _scan_rows(store))) == sorted(pairs)


_KILLED_IN_TRANSACTION = """
import json, sys, time, uuid, datetime as dt
from footfit.records.store import RecordStore, file_sha256
url, scan, report = sys.argv[1:]
store = RecordStore(url)
now = dt.datetime.now(dt.timezone.utc)
row = {"scan": {"customer_id": "C-killed", "sha256": file_sha256(scan), "filename": "k.ply",
                "format": "ply", "units": "mm", "points": 3, "size_bytes": 10,
                "content": None if store.files_dir else open(scan, "rb").read()},
       "fitting": {"id": uuid.uuid4().hex, "customer_id": "C-killed", "created_at": now,
                   "footfit_version": "x", "schema_version": "1.0", "options": {},
                   "report": report, "parent_id": None}}
with store._begin() as conn:
    store._write_fitting(conn, row, now)
    print("inside", flush=True)
    time.sleep(120)
"""


def _check_consistent(store) -> None:
    import sqlalchemy as sa

    from footfit.records import models as m

    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        orphans = conn.execute(
            sa.select(sa.func.count()).select_from(m.fittings).outerjoin(
                m.scans, m.scans.c.id == m.fittings.c.scan_id).where(m.scans.c.id.is_(None))
        ).scalar_one()
        assert orphans == 0
    if store.files_dir is not None:
        on_disk = {p.name for p in store.stored_scan_files()}
        assert {sha for _, sha in _scan_rows(store)} <= on_disk


def test_writer_killed_mid_transaction_leaves_the_database_consistent(db_url, tmp_path):
    scan = _scan(tmp_path / "in")
    with RecordStore(db_url) as store:
        before = store.add_fitting(scan, REPORT, customer_id="C-1")
    child = subprocess.Popen([sys.executable, "-c", _KILLED_IN_TRANSACTION, db_url,
                              str(scan), json.dumps(REPORT)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=_env())
    try:
        assert child.stdout.readline().strip() == "inside", child.stderr.read()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    with RecordStore(db_url) as store:
        _check_consistent(store)
        assert not store.has_customer("C-killed")  # the transaction is gone, whole
        assert [f.id for f in store.list_fittings()] == [before.id]
        after = store.add_fitting(scan, REPORT, customer_id="C-1")  # the lock is free
        assert store.get_fitting(after.id).scan_id == before.scan_id


_LOOP_WRITER = """
import json, sys
from footfit.records.store import RecordStore
url, scan, report = sys.argv[1:]
store = RecordStore(url)
i = 0
while True:
    rec = store.add_fitting(scan, json.loads(report), customer_id="C-loop")
    print(rec.id, flush=True)
"""


def test_writers_killed_at_random_moments_lose_no_acknowledged_fitting(db_url, tmp_path):
    scan = _scan(tmp_path / "in")
    RecordStore(db_url).close()
    acknowledged: list[str] = []
    for delay in (0.4, 0.9, 1.3):
        child = subprocess.Popen([sys.executable, "-c", _LOOP_WRITER, db_url, str(scan),
                                  json.dumps(REPORT)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=_env())
        first = child.stdout.readline().strip()  # started writing
        time.sleep(delay)
        os.kill(child.pid, signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
        acknowledged += [first] + [line for line in out.split() if len(line) == 32]
    with RecordStore(db_url) as store:
        _check_consistent(store)
        stored = {f.id for f in store.list_fittings("C-loop")}
        assert set(acknowledged) <= stored  # every acknowledged write is there
        assert len(stored) - len(acknowledged) <= 3  # at most one unacknowledged per kill
        assert len(_scan_rows(store)) == 1
