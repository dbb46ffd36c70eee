"""The kiosk page (GET / of `footfit serve`) in a real headless Chromium against a real server.

Skips only when no Chromium (or its driver) is installed: Debian `apt-get install chromium
chromium-driver` (.ci/run installs them).
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "sample_scans"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which(
    "google-chrome")
DRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="no Chromium/chromedriver installed (Debian: apt-get install chromium "
    "chromium-driver); the kiosk page test needs a real browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with open(log, "w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "footfit", "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, "LANG": "C.UTF-8"})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("footfit serve did not start: "
                                       + log.read_text()[-2000:]) from None
                time.sleep(0.3)
        yield base, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=1200,1600"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def test_kiosk_page_is_small_and_self_contained(server):
    base, _ = server
    with urllib.request.urlopen(base + "/", timeout=10) as r:
        page = r.read().decode("utf-8")
        assert r.status == 200 and r.headers["content-type"].startswith("text/html")
    assert len(page) < 50_000
    assert "http://" not in page and "https://" not in page  # nothing fetched
    with urllib.request.urlopen(base + "/?lang=zh", timeout=10) as r:
        assert "开始测量" in r.read().decode("utf-8")


@pytest.mark.parametrize("lang, size_word", [("en", "EU"), ("zh", "欧码")])
def test_kiosk_uploads_a_scan_and_shows_its_report(server, browser, tmp_path, lang,
                                                   size_word):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait

    base, log = server
    browser.get(base + "/")
    Select(browser.find_element(By.ID, "lang")).select_by_value(lang)
    Select(browser.find_element(By.ID, "style")).select_by_value("casual")
    browser.find_element(By.ID, "customer").send_keys("Test Customer")
    browser.find_element(By.ID, "scan").send_keys(str(SAMPLES / "demo_two_feet.ply"))
    browser.find_element(By.ID, "go").click()
    wait = WebDriverWait(browser, 120)
    size = wait.until(ec.visibility_of_element_located((By.ID, "sizeline"))).text
    assert size.startswith(size_word)
    assert " C " in size or " A " in size  # width letters on the size line
    frame = browser.find_element(By.ID, "report")
    wait.until(lambda d: "report.html" in (frame.get_attribute("src") or ""))
    browser.switch_to.frame(frame)
    wait.until(ec.presence_of_element_located((By.ID, "summary")))
    report_text = browser.find_element(By.TAG_NAME, "body").text
    assert "Test Customer" in report_text and size_word in report_text
    browser.switch_to.default_content()
    shot = tmp_path / f"kiosk_{lang}.png"
    assert browser.save_screenshot(str(shot))
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # not a blank page
    # the server logged the requests with their times
    text = log.read_text()
    assert "POST /v1/fit 200" in text and " ms" in text
