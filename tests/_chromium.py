"""Drive headless Chromium from tests, with the standard library only.

Chromium is started with ``--remote-debugging-pipe``: DevTools protocol messages go in on
file descriptor 3 and come out on descriptor 4, NUL-separated JSON. That is enough to open a
page with networking disabled, wait for a condition, read the DOM, collect console errors,
uncaught exceptions and every network request, and take a full-page screenshot.

>>> with Chromium(profile_dir) as browser:                      # doctest: +SKIP
...     page = browser.open(path.as_uri(), ready="document.readyState === 'complete'")
...     page.screenshot(tmp_path / "page.png")
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Environment variable naming the Chromium binary; without it, ``chromium`` on ``PATH``.
CHROMIUM_ENV = "PERSONAS_CHROMIUM"
# Networking off: no background traffic, and every host name resolves to nothing.
OFFLINE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
    "--window-size=1280,900",
)


def chromium_path() -> str:
    """Path of the Chromium binary (``$PERSONAS_CHROMIUM``, else ``chromium`` on ``PATH``):
    a failure in CI when it is missing, a skip elsewhere."""
    from _tools import require_tool

    return require_tool("chromium", install="apt-get install -y chromium", env=CHROMIUM_ENV)


@dataclass
class Page:
    """One tab: its DevTools session and everything it reported."""

    browser: Chromium
    session: str
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    log_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its (JSON) value."""
        reply = self.browser.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self.session,
        )
        if "exceptionDetails" in reply:
            raise AssertionError(f"page script failed: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def wait_for(self, expression: str, *, timeout: float = 20.0) -> None:
        """Poll until ``expression`` is truthy in the page."""
        deadline = time.monotonic() + timeout
        while not self.evaluate(expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for: {expression}")
            self.browser.pump(0.1)

    def dom(self) -> str:
        """The live document as HTML (after scripts ran)."""
        return self.evaluate("document.documentElement.outerHTML")

    def screenshot(self, path: Path, *, width: int = 1280, full_page: bool = True) -> Path:
        """Save a PNG screenshot ``width`` CSS pixels wide: the whole page, or the viewport."""
        height = self.evaluate("Math.ceil(document.documentElement.scrollHeight)")
        if full_page:
            self.browser.call(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": int(height), "deviceScaleFactor": 1, "mobile": False},
                session=self.session,
            )
            self.browser.pump(0.3)  # let resize-driven layout (charts) settle
        reply = self.browser.call(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": full_page},
            session=self.session,
        )
        path.write_bytes(base64.b64decode(reply["data"]))
        return path

    def record(self, method: str, params: dict[str, Any]) -> None:
        if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            args = params.get("args", [])
            self.console_errors.append(" ".join(str(a.get("value", a)) for a in args))
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.exceptions.append(str(details.get("exception", {}).get("description", details)))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.log_errors.append(params["entry"].get("text", ""))
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])


class Chromium:
    """A headless Chromium process controlled through the DevTools pipe."""

    def __init__(self, profile_dir: Path, *, timeout: float = 30.0):
        self.timeout = timeout
        self._next_id = 0
        self._buffer = b""
        self._pages: dict[str, Page] = {}
        self._replies: dict[int, dict[str, Any]] = {}
        to_browser, self._writer = os.pipe()
        self._reader, from_browser = os.pipe()

        def wire_pipe() -> None:  # in the child: DevTools reads fd 3 and writes fd 4
            high_in = fcntl.fcntl(to_browser, fcntl.F_DUPFD_CLOEXEC, 10)
            high_out = fcntl.fcntl(from_browser, fcntl.F_DUPFD_CLOEXEC, 10)
            os.dup2(high_in, 3)
            os.dup2(high_out, 4)

        command = [
            chromium_path(),
            *OFFLINE_FLAGS,
            "--remote-debugging-pipe",
            f"--user-data-dir={profile_dir}",
            "about:blank",
        ]
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            preexec_fn=wire_pipe,
            close_fds=False,  # the pipe ends are dup2-ed to 3 and 4; the rest is close-on-exec
        )
        os.close(to_browser)
        os.close(from_browser)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=5)
        except (AssertionError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._reader, self._writer):
            try:
                os.close(fd)
            except OSError:
                pass
        self._stderr.close()

    def open(self, url: str, *, ready: str | None = None, timeout: float = 20.0) -> Page:
        """Open ``url`` in a new tab with events recorded; wait for load (and ``ready``)."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})
        page = Page(self, session["sessionId"])
        self._pages[page.session] = page
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=page.session)
        self.call("Page.navigate", {"url": url}, session=page.session)
        page.wait_for("document.readyState === 'complete'", timeout=timeout)
        if ready is not None:
            page.wait_for(ready, timeout=timeout)
        return page

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send one DevTools command and return its result (events seen meanwhile are kept)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._writer, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        while self._next_id not in self._replies:
            if time.monotonic() > deadline:
                raise AssertionError(f"Chromium did not answer {method} in time")
            self.pump(0.2)
        reply = self._replies.pop(self._next_id)
        if "error" in reply:
            raise AssertionError(f"{method} failed: {reply['error']}")
        return reply.get("result", {})

    def pump(self, wait: float) -> None:
        """Read whatever Chromium sent within ``wait`` seconds and dispatch it."""
        ready, _, _ = select.select([self._reader], [], [], wait)
        if not ready:
            return
        chunk = os.read(self._reader, 1 << 20)
        if not chunk:
            self._stderr.seek(0)
            log = self._stderr.read().decode("utf-8", "replace")[-2000:]
            raise AssertionError(f"Chromium exited (code {self.process.poll()}):\n{log}")
        self._buffer += chunk
        *messages, self._buffer = self._buffer.split(b"\0")
        for raw in messages:
            message = json.loads(raw)
            if "id" in message:
                self._replies[message["id"]] = message
            elif message.get("sessionId") in self._pages:
                self._pages[message["sessionId"]].record(message["method"], message["params"])
