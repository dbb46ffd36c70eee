"""The service with records, over real HTTP, on SQLite and PostgreSQL: POST /v1/fit with a
customer, the customers/fittings/orders endpoints, the LRU in front of the store.
"""

import json
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("sqlalchemy")
uvicorn = pytest.importorskip("uvicorn")

from footfit.app.service import ServiceConfig, create_app  # noqa: E402
from footfit.pipeline import FootFitter  # noqa: E402

SCANS = Path(__file__).resolve().parent.parent / "sample_scans"


class _Server:
    def __init__(self, app):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning",
                                                    access_log=False))
        self.thread = threading.Thread(target=self.server.run,
                                       kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


def _request(url, data=None, ctype=None, method=None):
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": ctype} if ctype else {})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers, e.read()


def _post_scan(base, path: Path, **fields):
    b = uuid.uuid4().hex
    parts = [f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{b}\r\nContent-Disposition: form-data; name="scan"; '
                 f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                 .encode() + path.read_bytes() + b"\r\n")
    parts.append(f"--{b}--\r\n".encode())
    return _request(base + "/v1/fit", b"".join(parts), f"multipart/form-data; boundary={b}")


@pytest.fixture(scope="module")
def fitter():
    return FootFitter()


@pytest.mark.slow
def test_service_stores_fittings_serves_them_and_makes_orders(db_url, fitter, tmp_path,
                                                              monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # PostgreSQL: order files
    cfg = ServiceConfig(timeout_s=120, workers=2, cache_size=1, db=db_url)
    server = _Server(create_app(fitter, config=cfg))
    base = server.base
    try:
        status, headers, body = _post_scan(base, SCANS / "demo_two_feet.ply", customer="C-9")
        assert status == 200, body
        first = json.loads(body)
        fid = first["record"]["fitting_id"]
        assert headers["X-Report-Id"] == fid and first["record"]["customer_id"] == "C-9"

        status, _, body2 = _post_scan(base, SCANS / "demo_right_m.ply", customer="C-9")
        assert status == 200
        # the LRU holds one report: the first now comes from the store, byte for byte
        assert _request(f"{base}/v1/fit/{fid}")[2] == body
        assert _request(f"{base}/v1/fittings/{fid}")[2] == body
        status, _, html = _request(f"{base}/v1/fit/{fid}/report.html")
        assert status == 200 and b"<html" in html

        status, _, listing = _request(f"{base}/v1/customers/C-9/fittings")
        listing = json.loads(listing)
        assert status == 200
        assert [f["fitting_id"] for f in listing["fittings"]] == \
            [fid, json.loads(body2)["record"]["fitting_id"]]

        status, headers, order = _request(f"{base}/v1/fittings/{fid}/orders",
                                          json.dumps({"style": "casual"}).encode(),
                                          "application/json", method="POST")
        assert status == 201, order
        order = json.loads(order)
        assert order["style"] == "casual" and headers["Location"] == \
            f"/v1/orders/{order['order_id']}"
        jsonschema = pytest.importorskip("jsonschema")
        from footfit.records.order import load_order_schema

        jsonschema.Draft202012Validator(load_order_schema()).validate(order)
        status, _, got = _request(f"{base}/v1/orders/{order['code']}")
        assert status == 200 and json.loads(got)["status"] == "new"
        status, headers, ticket = _request(
            f"{base}/v1/orders/{order['order_id']}/files/ticket.html")
        assert status == 200 and order["code"].encode() in ticket and b"<svg" in ticket
        status, _, stl = _request(f"{base}/v1/orders/{order['order_id']}/files/last_left.stl")
        assert status == 200 and len(stl) > 10_000

        # 8 kiosks at once: every fitting is stored
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(
                lambda i: _post_scan(base, SCANS / "demo_right_m.ply", customer=f"K-{i % 2}"),
                range(8)))
        assert [r[0] for r in results] == [200] * 8
        ids = {json.loads(r[2])["record"]["fitting_id"] for r in results}
        stored = set()
        for c in ("K-0", "K-1"):
            stored |= {f["fitting_id"] for f in json.loads(
                _request(f"{base}/v1/customers/{c}/fittings")[2])["fittings"]}
        assert stored == ids and len(ids) == 8

        # no customer: nothing stored
        status, _, plain = _post_scan(base, SCANS / "demo_right_m.ply")
        assert status == 200 and "record" not in json.loads(plain)
    finally:
        server.stop()


def test_service_record_errors(fitter, tmp_path):
    db = tmp_path / "f.db"
    server = _Server(create_app(fitter, config=ServiceConfig(db=str(db))))
    base = server.base
    try:
        status, _, body = _post_scan(base, SCANS / "demo_right_m.ply", customer="no spaces")
        assert status == 400 and b"must be 1-64 letters" in body
        assert not db.exists()  # refused before any work
        assert _request(f"{base}/v1/fit/{'0' * 32}")[0] == 404
        assert not db.exists()  # a lookup never creates the database
        assert _request(f"{base}/v1/fittings/{'0' * 32}")[0] == 404
        assert _request(f"{base}/v1/fittings/not-an-id")[0] == 400
        assert _request(f"{base}/v1/customers/nobody/fittings")[0] == 404
        assert _request(f"{base}/v1/customers/bad%20id/fittings")[0] == 400
        assert _request(f"{base}/v1/orders/ZZZZZZZZ")[0] == 404
        status, _, body = _request(f"{base}/v1/fittings/{'0' * 32}/orders", b"{}",
                                   "application/json", method="POST")
        assert status == 404 and b"no fitting" in body
    finally:
        server.stop()


def test_service_answers_503_when_the_database_is_unreachable(fitter, tmp_path):
    cfg = ServiceConfig(db="postgresql://nobody@127.0.0.1:1/none")
    server = _Server(create_app(fitter, config=cfg))
    try:
        status, _, body = _post_scan(server.base, SCANS / "demo_right_m.ply", customer="C-1")
        assert status == 503 and json.loads(body)["code"] == "records_unavailable"
        assert _request(f"{server.base}/v1/customers/C-1/fittings")[0] == 503
    finally:
        server.stop()
