"""The kiosk HTTP service, exercised over real HTTP on a free loopback port."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")

from footfit.app.service import ServiceConfig, create_app  # noqa: E402
from footfit.pipeline import FootFitter  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_scans"


def _samples() -> list[Path]:
    out = []
    for truth in sorted(SAMPLES.glob("*.truth.json")):
        stem = truth.name[: -len(".truth.json")]
        out += [p for p in sorted(SAMPLES.glob(stem + ".*")) if not p.name.endswith(".json")][:1]
    assert out, "no bundled sample scans"
    return out


def _demo_scan() -> Path:
    from footfit.app.cli import demo_scan_path

    return demo_scan_path()


def _library_outcome(fitter, scan: Path, **options):
    """What the service must answer for this scan: (200, report) or (status, message)."""
    from footfit.exceptions import FootfitError, InvalidMeasurementError

    try:
        return 200, _comparable(json.loads(fitter.process(scan, **options).to_json()))
    except (InvalidMeasurementError, FootfitError) as exc:
        status = 400 if type(exc) in (FootfitError,) else 422
        return status, " ".join(str(exc).split()).replace(str(scan), scan.name)


@contextlib.contextmanager
def _serve(app):
    """Run uvicorn in a thread on a socket bound to a free loopback port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _multipart(filename: str, data: bytes, fields: dict[str, str]) -> tuple[bytes, str]:
    b = uuid.uuid4().hex
    parts = [f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{b}\r\nContent-Disposition: form-data; name="scan"; filename="{filename}"'
                 f"\r\nContent-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{b}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={b}"


def _request(url: str, data: bytes | None = None, ctype: str | None = None):
    req = urllib.request.Request(url, data=data, headers={"Content-Type": ctype} if ctype else {})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.headers, r.read()  # headers: case-insensitive lookups
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers, e.read()


def _post(base: str, filename: str, data: bytes, **fields: str):
    body, ctype = _multipart(filename, data, fields)
    return _request(base + "/v1/fit", body, ctype)


def _comparable(report: dict) -> dict:
    out = dict(report)
    out.pop("timings_ms")
    out["scan"] = {k: v for k, v in out["scan"].items() if k != "source"}
    return out


@pytest.fixture(scope="module")
def fitter():
    return FootFitter()


@pytest.fixture(scope="module")
def tmp_root(tmp_path_factory):
    return tmp_path_factory.mktemp("service_tmp")


@pytest.fixture(scope="module")
def base(fitter, tmp_root):
    cfg = ServiceConfig(max_upload_bytes=8 * 1024 * 1024, timeout_s=120, workers=2,
                        cache_size=4, tmp_dir=str(tmp_root))
    with _serve(create_app(fitter, config=cfg)) as url:
        yield url


def _idle(base: str, tmp_root: Path) -> None:
    """Wait until no job runs, then the temp folder must be empty."""
    deadline = time.monotonic() + 60
    while json.loads(_request(base + "/healthz")[2])["in_progress"]:
        assert time.monotonic() < deadline, "jobs still running"
        time.sleep(0.05)
    assert list(tmp_root.iterdir()) == []


# ---------------------------------------------------------------------------- good scans
def test_good_scan_gives_the_library_report_and_its_pictures(base, fitter, tmp_root):
    scan = _demo_scan()
    status, headers, body = _post(base, "../../" + scan.name, scan.read_bytes(),
                                  style="casual", fit="snug")
    assert status == 200, body
    got = json.loads(body)
    want = json.loads(fitter.process(scan, style="casual", fit="snug").to_json())
    assert _comparable(got) == _comparable(want)
    assert got["scan"]["source"] == scan.name  # base name only, never the client's path
    rid = headers["X-Report-Id"]
    assert headers["Location"] == f"/v1/fit/{rid}/report.html"

    status, headers, html = _request(base + f"/v1/fit/{rid}/report.html")
    assert status == 200 and headers["content-type"].startswith("text/html")
    text = html.decode("utf-8")
    assert 'data-figure="top-view"' in text and "<canvas" in text
    status, _, again = _request(base + f"/v1/fit/{rid}")
    assert status == 200 and json.loads(again) == got
    status, headers, png = _request(base + f"/v1/fit/{rid}/summary.png")
    assert status == 200 and png[:8] == b"\x89PNG\r\n\x1a\n"
    _idle(base, tmp_root)


def test_sixteen_concurrent_uploads_match_the_library(base, fitter, tmp_root):
    scans = ([_demo_scan()] + [p for p in _samples() if p != _demo_scan()])[:4]
    jobs = [(scans[i % len(scans)], ("sport", "casual")[(i // len(scans)) % 2])
            for i in range(16)]
    expected = {key: _library_outcome(fitter, key[0], style=key[1]) for key in set(jobs)}
    assert any(status == 200 for status, _ in expected.values())

    def send(job):
        scan, style = job
        return job, _post(base, scan.name, scan.read_bytes(), style=style)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(send, jobs))
    ids = set()
    for key, (status, headers, body) in results:
        want_status, want = expected[key]
        assert status == want_status, body
        if status == 200:
            assert _comparable(json.loads(body)) == want
            ids.add(headers["X-Report-Id"])
        else:  # the library's error, in the same words
            assert json.loads(body)["detail"] == want
    assert len(ids) == sum(expected[k][0] == 200 for k in jobs)
    # the LRU keeps only the 4 most recent
    kept = sum(_request(base + f"/v1/fit/{i}")[0] == 200 for i in ids)
    assert kept == min(4, len(ids))
    _idle(base, tmp_root)


# ---------------------------------------------------------------------------- errors
def test_unknown_or_missing_extension_is_415(base, tmp_root, tmp_path):
    for name in ("foot.docx", "foot"):
        status, _, body = _post(base, name, b"PK\x03\x04 not a scan")
        assert status == 415
        msg = json.loads(body)["detail"]
        # the same one line as the CLI on a file of that name
        (tmp_path / name).write_bytes(b"PK\x03\x04 not a scan")
        cli = subprocess.run([sys.executable, "-m", "footfit", "process", name],
                             cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert cli.returncode == 3
        assert cli.stderr.strip() == f"footfit: error: {msg}"
    _idle(base, tmp_root)


def test_corrupt_scan_is_422_with_the_cli_message(base, tmp_root, tmp_path):
    bad = b"ply\nformat binary_little_endian 1.0\nelement vertex 50000\nproperty float x\n" \
          b"property float y\nproperty float z\nend_header\n" + b"\x00" * 1000
    status, _, body = _post(base, "broken.ply", bad)
    assert status == 422
    msg = json.loads(body)
    assert msg["code"] == "invalid_scan"
    # the same one line as the CLI on a file of that name
    (tmp_path / "broken.ply").write_bytes(bad)
    cli = subprocess.run([sys.executable, "-m", "footfit", "process", "broken.ply"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 3
    assert cli.stderr.strip() == f"footfit: error: {msg['detail']}"
    assert str(tmp_root) not in msg["detail"]
    _idle(base, tmp_root)


def test_no_foot_is_422(base, tmp_root):
    g = np.random.default_rng(0)
    plane = np.column_stack([g.uniform(0, 250, 20000), g.uniform(0, 250, 20000),
                             np.zeros(20000)])
    text = "\n".join(f"{x:.2f} {y:.2f} {z:.2f}" for x, y, z in plane.tolist()).encode()
    status, _, body = _post(base, "floor.xyz", text)
    assert status == 422, body
    assert json.loads(body)["code"] == "no_foot"
    _idle(base, tmp_root)


def test_wrong_units_are_422_not_a_huge_allocation(base, tmp_root):
    # an mm scan told metres is 460 m across: refused as invalid, naming the file and units
    scan = SAMPLES / "demo_right_m.ply"
    status, _, body = _post(base, scan.name, scan.read_bytes(), units="m")
    assert status == 422, body
    msg = json.loads(body)
    assert msg["code"] == "invalid_scan"
    assert msg["detail"].startswith(scan.name) and "suggests mm" in msg["detail"]
    _idle(base, tmp_root)


def test_bad_option_or_missing_field_is_400(base, tmp_root):
    scan = _demo_scan()
    status, _, body = _post(base, scan.name, scan.read_bytes(), style="moon_boot")
    assert status == 400 and "style" in json.loads(body)["detail"]
    status, _, body = _post(base, scan.name, scan.read_bytes(), heel_height_mm="tall")
    assert status == 400 and "`heel_height_mm`" in json.loads(body)["detail"]
    b = uuid.uuid4().hex
    form = f'--{b}\r\nContent-Disposition: form-data; name="style"\r\n\r\nsport\r\n--{b}--\r\n'
    ctype = f"multipart/form-data; boundary={b}"
    status, _, body = _request(base + "/v1/fit", form.encode(), ctype)
    assert status == 400 and "`scan`" in json.loads(body)["detail"]
    _idle(base, tmp_root)


def test_too_large_is_413_by_header_and_by_stream(tmp_path, fitter):
    import http.client

    cfg = ServiceConfig(max_upload_bytes=100_000, tmp_dir=str(tmp_path))
    with _serve(create_app(fitter, config=cfg)) as url:
        status, _, body = _post(url, "big.ply", b"x" * 300_000)
        assert status == 413 and json.loads(body)["code"] == "too_large"
        # chunked: no Content-Length, cut when the stream passes the limit
        port = int(url.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        b = "xyz"

        def chunks():
            yield f'--{b}\r\nContent-Disposition: form-data; name="scan"; ' \
                  f'filename="big.ply"\r\n\r\n'.encode()
            for _ in range(30):
                yield b"x" * 10_000
            yield f"\r\n--{b}--\r\n".encode()

        conn.request("POST", "/v1/fit", body=chunks(), encode_chunked=True,
                     headers={"Content-Type": f"multipart/form-data; boundary={b}"})
        resp = conn.getresponse()
        assert resp.status == 413
        conn.close()
    assert list(tmp_path.iterdir()) == []


def test_timeout_is_504_and_the_temp_file_still_goes(tmp_path, fitter):
    scan = _demo_scan()
    cfg = ServiceConfig(timeout_s=0.01, tmp_dir=str(tmp_path))
    with _serve(create_app(fitter, config=cfg)) as url:
        status, _, body = _post(url, scan.name, scan.read_bytes())
        assert status == 504 and json.loads(body)["code"] == "timeout"
        _idle(url, tmp_path)


def test_unknown_report_is_404_and_health_and_openapi(base):
    assert _request(base + "/v1/fit/" + "0" * 32 + "/report.html")[0] == 404
    assert _request(base + "/v1/fit/../../etc/passwd")[0] == 404
    status, _, body = _request(base + "/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, _, body = _request(base + "/openapi.json")
    spec = json.loads(body)
    post = spec["paths"]["/v1/fit"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert {"413", "415", "422", "504"} <= set(post["responses"])
    assert _request(base + "/docs")[0] == 200


# ---------------------------------------------------------------------------- CLI
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_footfit_serve_command_listens_on_loopback_and_stops_cleanly():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "footfit", "serve", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, body = _request(f"http://127.0.0.1:{port}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, proc.communicate()[1]
                assert time.monotonic() < deadline, "footfit serve did not start"
                time.sleep(0.2)
        assert status == 200 and json.loads(body)["status"] == "ok"
        # the same port again: one-line error, usage exit code
        again = subprocess.run([sys.executable, "-m", "footfit", "serve", "--port", str(port)],
                               capture_output=True, text=True, timeout=60)
        assert again.returncode == 2
        expected = f"footfit: error: cannot listen on 127.0.0.1:{port}"
        assert again.stderr.strip().startswith(expected)
        assert len(again.stderr.strip().splitlines()) == 1
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
    assert proc.returncode in (0, -signal.SIGINT, 130)


def test_serve_rejects_a_bad_port():
    r = subprocess.run([sys.executable, "-m", "footfit", "serve", "--port", "70000"],
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert r.returncode == 2 and "--port must be 0-65535" in r.stderr


class _SlowFitter:
    """The real fitter, held back until released (to fill the queue on purpose)."""

    def __init__(self, fitter):
        self.fitter = fitter
        self.release = threading.Event()

    def process(self, source, **options):
        self.release.wait(60)
        return self.fitter.process(source, **options)


class _BrokenFitter:
    def process(self, source, **options):
        raise RuntimeError(f"stage crashed on {source}\nsecond line")


def test_busy_is_503_and_a_crash_is_one_line_500(fitter, tmp_path):
    scan = _demo_scan()
    slow = _SlowFitter(fitter)
    cfg = ServiceConfig(max_pending=1, workers=1, tmp_dir=str(tmp_path))
    with _serve(create_app(slow, config=cfg)) as url, ThreadPoolExecutor(1) as pool:
        first = pool.submit(_post, url, scan.name, scan.read_bytes())
        deadline = time.monotonic() + 30
        while json.loads(_request(url + "/healthz")[2])["in_progress"] < 1:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        status, _, body = _post(url, scan.name, scan.read_bytes())
        assert status == 503 and json.loads(body)["code"] == "busy"
        slow.release.set()
        assert first.result(120)[0] == 200
        _idle(url, tmp_path)
    with _serve(create_app(_BrokenFitter(), config=ServiceConfig(tmp_dir=str(tmp_path)))) as url:
        status, _, body = _post(url, "foot.ply", b"ply\n")
        msg = json.loads(body)["detail"]
        assert status == 500 and msg.startswith("foot.ply: internal error: stage crashed")
        assert "\n" not in msg and str(tmp_path) not in msg
        _idle(url, tmp_path)
