"""A real Chromium (the system's, never a downloaded one) driven by Playwright.

Every page a test opens fails the test on a console error, an uncaught exception, a failed
request or an HTTP error answer, unless the test declares that answer expected.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"


@dataclass
class PageProblems:
    """What went wrong in a page; ``expected`` holds (status, path end) pairs a test allows."""

    errors: list[str] = field(default_factory=list)
    expected: set[tuple[int, str]] = field(default_factory=set)

    def allow(self, status: int, path_end: str) -> None:
        self.expected.add((status, path_end))

    def failed(self, url: str, failure: str | None) -> None:
        # A navigation cancels the page's requests still in flight (a poll, a preload): the
        # browser reports them aborted, which says nothing about the server.
        if failure != "net::ERR_ABORTED":
            self.errors.append(f"request failed: {url} ({failure})")

    def response(self, status: int, url: str) -> None:
        if status >= 400 and not any(status == s and url.endswith(p) for s, p in self.expected):
            self.errors.append(f"HTTP {status} {url}")


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(chromium: object) -> tuple[object, object, PageProblems]:
    """A page in a context of its own (its own cookies) that records every problem."""
    context = chromium.new_context(viewport={"width": 1366, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    problems = PageProblems()
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and problems.errors.append(f"console: {m.text}")
        ),
    )
    page.on("pageerror", lambda e: problems.errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.failed(r.url, r.failure))
    page.on("response", lambda r: problems.response(r.status, r.url))
    return context, page, problems


def signed_in(chromium: Any, api_url: str, token: str) -> tuple[Any, Any, PageProblems]:
    """A page signed in with ``token`` through the sign-in API (the cookie lands in its context)."""
    context, page, problems = open_page(chromium)
    answer = context.request.post(f"{api_url}/api/v1/sessions", data={"token": token})  # type: ignore[attr-defined]
    assert answer.status == 200
    return context, page, problems


@contextmanager
def signed_in_page(chromium: Any, api_url: str, token: str) -> Iterator[tuple[Any, PageProblems]]:
    """A signed-in page for the block; the block fails on any problem the page recorded."""
    context, page, problems = signed_in(chromium, api_url, token)
    try:
        yield page, problems
    finally:
        context.close()
    assert problems.errors == []


def wait_for_tab(page: Any, tab: str) -> None:
    page.wait_for_selector(f"#panel-{tab}[data-loaded=true]", timeout=20_000)


def plot(page: Any, plot_id: str) -> Any:
    """A drawn Plotly plot's traces and axis titles, as the browser holds them."""
    page.wait_for_function(f"document.getElementById('{plot_id}')?._fullLayout !== undefined")
    return page.evaluate(
        f"""() => {{
            const node = document.getElementById('{plot_id}');
            return {{data: JSON.parse(JSON.stringify(node.data)),
                     layout: {{x: node.layout.xaxis?.title?.text,
                               y: node.layout.yaxis?.title?.text}}}};
        }}"""
    )


def screenshot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
