"""One headless Chromium for every browser test (Debian's chromium + chromium-driver).

The flags keep Chromium off the network: this machine reaches nothing but
package registries, and a page that needed a CDN must fail the test.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from typing import Iterator

import pytest

#: Flags every test needs; see /work/.library env notes: without the
#: background-networking ones Chromium hammers the closed network.
BASE_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
)
#: Network allowed to the page: "loopback" sends every other request to a dead proxy (a page
#: served by our local server must not need a CDN); "none" blocks loopback too (a file:// page
#: that must work fully offline); "all" leaves the network alone.
NETWORK_FLAGS = {
    "loopback": ("--proxy-server=127.0.0.1:9",),  # Chromium bypasses the proxy for loopback by default
    "none": ("--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"),
    "all": (),
}


def chromium_paths() -> tuple[str, str]:
    """(chromium, chromedriver); fails the test (not skips) when they are missing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.fail("chromium/chromedriver missing: run scripts/system-deps.sh (make test does)")
    return chromium, driver


@contextlib.contextmanager
def headless_chrome(*, window: str = "1400,900", network: str = "loopback", extra: tuple[str, ...] = (),
                    page_load_timeout: float = 60) -> Iterator[object]:
    """A selenium Chrome driver with a fresh profile, quit and cleaned up afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = chromium_paths()
    profile = tempfile.mkdtemp(prefix="kg-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in (*BASE_FLAGS, *NETWORK_FLAGS[network], f"--window-size={window}",
                f"--user-data-dir={profile}", *extra):
        opts.add_argument(arg)
    drv = webdriver.Chrome(service=Service(chromedriver), options=opts)
    drv.set_page_load_timeout(page_load_timeout)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)
