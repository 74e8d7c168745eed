"""report.html in a real headless browser (Debian's chromium + chromium-driver through selenium).

Every table and image must render (DOM counts, natural image sizes > 0, visible table boxes),
the console must stay free of errors, and nothing may be fetched from the network. A screenshot
is kept in tests/artifacts/report.png (git-ignored). .ci/run installs chromium and
chromium-driver with apt-get where it can; elsewhere this test is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from smalltrial import pipeline

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SPEC = {"title": "Browser check <of> the report & its escaping",
        "data": {"dataset": "muller2024"},
        "tables": [{"name": "baseline"}, {"name": "efficacy"}, {"name": "time_to_event"}],
        "figures": [{"name": "km_plot", "formats": ["png"]}, {"name": "forest", "formats": ["png"]}]}


def _browser():
    try:
        from selenium import webdriver  # noqa: F401
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[test]')")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/lib/chromium/chromedriver" if Path("/usr/lib/chromium/chromedriver").is_file() else None)
    if not chromium or not driver:
        pytest.skip("no chromium/chromedriver on this machine "
                    "(apt-get install -y chromium chromium-driver; .ci/run does this where apt exists)")
    return chromium, driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium, driver_path = _browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # never let selenium-manager download anything
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage", "--window-size=1200,1600",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(service=Service(executable_path=driver_path), options=opts)
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return pipeline.run(SPEC, out=tmp_path_factory.mktemp("browser") / "out", progress=False)


def test_report_renders_every_table_and_figure_without_errors(browser, report):
    from selenium.webdriver.common.by import By

    page = report.out / "report.html"
    browser.get(page.as_uri())
    assert browser.execute_script("return document.readyState") == "complete"
    assert browser.title == SPEC["title"]  # escaped in the source, shown as written
    assert browser.find_element(By.TAG_NAME, "h1").text == SPEC["title"]

    tables = browser.find_elements(By.CSS_SELECTOR, "table.smalltrial-table")
    assert len(tables) == len(report.tables) == 3
    for table, (stem, expected) in zip(tables, report.tables.items(), strict=True):
        assert table.size["height"] > 20 and table.size["width"] > 100, stem
        body_rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
        assert len(body_rows) == len(expected.rows), stem

    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight,"
        " i.getBoundingClientRect().width])")
    assert len(images) == len([f for f in report.figures if f.endswith(".png")]) == 2
    for complete, width, height, shown in images:
        assert complete and width > 0 and height > 0 and shown > 0

    links = browser.find_elements(By.CSS_SELECTOR, "nav#contents a")
    assert len(links) == 2 + 3 + 2 + (1 if report.statistical_warnings else 0)
    for link in links:
        target = link.get_attribute("href").split("#", 1)[1]
        assert browser.find_elements(By.ID, target), target

    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    # what the page itself requested (the browser's own chrome:// pages left out): only
    # itself and its data: images, nothing from the network
    requests = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            params = message["params"]
            if params.get("documentURL", "").startswith("file:"):
                requests.append(params["request"]["url"])
    assert requests and all(u.startswith(("file:", "data:")) for u in requests), requests

    ARTIFACTS.mkdir(exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1200, min(int(height) + 100, 12000))
    assert browser.save_screenshot(str(ARTIFACTS / "report.png"))
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
