"""Make the README's screenshots (customer summary en/zh, PNG summary, kiosk page).

Usage (needs Debian's chromium + chromium-driver and a CJK font, e.g. fonts-wqy-zenhei)::

    .venv/bin/python docs/screenshots.py

Writes docs/customer_summary_en.png, docs/customer_summary_zh.png, docs/summary_png.png and
docs/kiosk.png from sample_scans/demo_two_feet.ply.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SCAN = ROOT / "sample_scans" / "demo_two_feet.ply"


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        sys.exit("screenshots.py: chromium is not installed (apt-get install chromium)")
    return exe


def _shot(html: Path, png: Path, size: str) -> None:
    subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--hide-scrollbars",
                    f"--screenshot={png}", f"--window-size={size}", html.as_uri()],
                   check=True, capture_output=True, timeout=120)


def _kiosk(png: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "footfit", "serve", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        opts = webdriver.ChromeOptions()
        opts.binary_location = _chromium()
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1200,1100"):
            opts.add_argument(arg)
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
        try:
            driver.get(base + "/")
            driver.find_element(By.ID, "customer").send_keys("Alex Chen")
            driver.find_element(By.ID, "scan").send_keys(str(SCAN))
            driver.find_element(By.ID, "go").click()
            WebDriverWait(driver, 120).until(
                ec.visibility_of_element_located((By.ID, "sizeline")))
            time.sleep(2.0)  # the report frame
            driver.save_screenshot(str(png))
        finally:
            driver.quit()
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def main() -> None:
    """Render the report pages and save their screenshots under docs/."""
    from footfit.pipeline import FootFitter
    from footfit.visual import write_html, write_png

    report = FootFitter().process(str(SCAN))
    with tempfile.TemporaryDirectory() as tmp:
        for lang, name in (("en", "Alex Chen"), ("zh", "陈亚历")):
            page = Path(tmp) / f"report_{lang}.html"
            write_html(report, page, lang=lang, customer=name)
            _shot(page, DOCS / f"customer_summary_{lang}.png", "1200,760")
    write_png(report, DOCS / "summary_png.png", lang="en")
    _kiosk(DOCS / "kiosk.png")
    for p in sorted(DOCS.glob("*.png")):
        print(f"{p.relative_to(ROOT)}  {p.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
