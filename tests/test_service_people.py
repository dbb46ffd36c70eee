"""The service's words for people: lang and customer, the summary endpoint, the kiosk page,
request logging. Over real HTTP against a real `footfit serve` process.
"""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

SAMPLES = Path(__file__).resolve().parent.parent / "sample_scans"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with open(log, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "footfit", "serve", "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=err,
                                env={**os.environ, "LANG": "C.UTF-8"})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log.read_text()[-2000:]) from None
                time.sleep(0.3)
        yield base, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def _post(url, path, fields):
    boundary = uuid.uuid4().hex
    body = b""
    for k, v in fields.items():
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                 ).encode()
    body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"scan\"; "
             f"filename=\"{path.name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
             ).encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_lang_and_customer_travel_with_the_report(server):
    base, log = server
    status, headers, body = _post(base + "/v1/fit", SAMPLES / "demo_two_feet.ply",
                                  {"style": "casual", "lang": "zh", "customer_name": "李伟"})
    assert status == 200, body[:300]
    rid = headers["X-Report-Id"]
    report = json.loads(body)
    assert "quality" in report["scan"]  # the JSON is the same in every language
    status, _, html = _get(base + f"/v1/fit/{rid}/report.html")
    text = html.decode("utf-8")
    assert status == 200 and 'lang="zh-CN"' in text and "李伟" in text and "跖围" in text
    status, _, html = _get(base + f"/v1/fit/{rid}/report.html?lang=en")
    assert 'lang="en"' in html.decode("utf-8")
    status, _, s = _get(base + f"/v1/fit/{rid}/summary?lang=en")
    summary = json.loads(s)
    assert status == 200 and summary["size_line"].startswith("EU ")
    assert {"insole", "lasts", "quality", "feet"} <= set(summary)
    status, _, png = _get(base + f"/v1/fit/{rid}/summary.png?lang=zh")
    assert status == 200 and png[:4] == b"\x89PNG"
    logged = log.read_text()
    assert f"GET /v1/fit/{rid}/summary 200" in logged and "POST /v1/fit 200" in logged


def test_bad_lang_is_a_400_before_any_work(server):
    base, _ = server
    status, _, body = _post(base + "/v1/fit", SAMPLES / "demo_right_m.ply", {"lang": "fr"})
    assert status == 400 and b"`lang` must be one of en, zh; got 'fr'" in body
    status, _, body = _get(base + "/?lang=fr")
    assert status == 400


def test_kiosk_page_at_the_root(server):
    base, log = server
    status, headers, page = _get(base + "/")
    text = page.decode("utf-8")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert 'id="scan"' in text and 'id="style"' in text and 'id="customer"' in text
    assert "http://" not in text and "https://" not in text
    assert "GET / 200" in log.read_text()
