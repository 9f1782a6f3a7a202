"""Browser tests: Debian's chromium driven by Playwright for Python, against the local stack.

`make test` installs chromium with apt-get when /usr/bin/chromium is missing (Playwright's own
browser download needs a host this machine cannot reach). Every page visited is checked with
axe-core (no WCAG 2.1 level A or AA violation) and screenshotted, at a desktop and a phone size,
into tests/browser/artefacts/ (git-ignored).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.local.conftest import start_stack, stop_stack

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parent / "artefacts"
START = "2027-03-01T09:00:00Z"  # a Monday morning: screenshots read the same on every run
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LAUNCH_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-dev-shm-usage", "--disable-extensions", "--no-first-run", "--mute-audio"]


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    log = tmp_path_factory.mktemp("browser") / "stack.log"
    started = start_stack(log, "--no-warm", now=START)
    yield started
    assert stop_stack(started) == 0, log.read_text()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="en-GB", timezone_id="Europe/London",
                                  java_script_enabled=True)
    context.set_default_timeout(60_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def no_script_page(browser):
    """A browser with JavaScript off: every visitor's page must still work."""
    context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(60_000)
    opened = context.new_page()
    yield opened
    context.close()


def check_page(page, name: str, *, axe: bool = True) -> None:
    """Screenshot the page (desktop and phone) and assert axe-core finds no WCAG 2.1 A/AA violation."""
    from axe_playwright_python.sync_playwright import Axe

    ARTEFACTS.mkdir(exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    size = page.viewport_size
    page.screenshot(path=str(ARTEFACTS / f"{slug}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    # Chromium does not paint a cross-origin frame (the mail viewer's sandboxed email) while it is off
    # screen: bring each into view once so that the full-page screenshot shows it, as scrolling would.
    for frame in page.locator("iframe").all():
        frame.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTEFACTS / f"{slug}-phone.png"), full_page=True)
    # Nothing may scroll sideways on a phone (WCAG 1.4.10 reflow).
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.set_viewport_size(size)
    assert overflow <= 0, f"{name}: {overflow}px wider than a phone's screen"
    if axe:
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_A_AA}})
        violations = results.response["violations"]
        assert not violations, f"{name}: axe-core found\n" + results.generate_report()
