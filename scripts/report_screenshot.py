"""Make docs/report.png, the README's screenshot of report.html of the bundled analysis.

Runs the bundled example analysis (SYNTHETIC data) into a temporary folder, opens its
report.html in headless Chromium (Debian's ``chromium`` and ``chromium-driver``, through
selenium) and saves the top of the page (contents, provenance, methods, first tables).

    python scripts/report_screenshot.py            # writes docs/report.png
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from smalltrial import pipeline

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or shutil.which("chromium-driver")
    if not (chromium and driver):
        print("needs chromium and chromedriver (apt-get install chromium chromium-driver)",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        result = pipeline.run(None, out=Path(tmp) / "out", progress=False)
        os.environ.setdefault("SE_OFFLINE", "true")
        opts = webdriver.ChromeOptions()
        opts.binary_location = chromium
        for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--disable-background-networking", "--no-first-run",
                    "--disable-dev-shm-usage", "--window-size=1200,2400",
                    f"--user-data-dir={Path(tmp) / 'profile'}"):
            opts.add_argument(arg)
        browser = webdriver.Chrome(service=Service(executable_path=driver), options=opts)
        try:
            browser.get((result.out / "report.html").as_uri())
            (ROOT / "docs").mkdir(exist_ok=True)
            browser.save_screenshot(str(ROOT / "docs" / "report.png"))
        finally:
            browser.quit()
    print(ROOT / "docs" / "report.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
