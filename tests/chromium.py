"""Headless Chromium driven through its DevTools protocol, for the tests of
pages that run: open a URL, evaluate JavaScript in it, wait for a condition.

The protocol is JSON over a WebSocket (``websocket-client``): Chromium is
started with ``--remote-debugging-port=0`` and writes the port it chose to
``DevToolsActivePort`` in its profile directory.
"""

import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest


def chromium_command() -> str:
    """Chromium's path; skips the test without it (fails if
    SPINNC_REQUIRE_CHROMIUM=1, as CI sets)."""
    command = shutil.which("chromium")
    if command is None:
        if os.environ.get("SPINNC_REQUIRE_CHROMIUM") == "1":
            pytest.fail("chromium is not installed (apt-get install chromium) and "
                        "SPINNC_REQUIRE_CHROMIUM=1 requires it")
        pytest.skip("chromium is not installed")
    return command


class Chromium:
    """A headless Chromium with one page (use it as a context manager)."""

    def __init__(self, profile: Path, timeout: float = 30.0):
        websocket = pytest.importorskip("websocket")
        self.profile = Path(profile)
        self.process = subprocess.Popen(
            [chromium_command(), "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--remote-debugging-port=0",
             f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            port = self._port(timeout)
            pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
            page = next(p for p in pages if p.get("type") == "page")
            self.ws = websocket.create_connection(page["webSocketDebuggerUrl"],
                                                  timeout=timeout, suppress_origin=True)
        except BaseException:
            self.process.kill()
            raise
        self._id = 0

    def _port(self, timeout: float) -> int:
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if marker.exists() and marker.read_text().strip():
                return int(marker.read_text().split()[0])
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.process.returncode}")
            time.sleep(0.1)
        raise TimeoutError("chromium did not open its DevTools port")

    def send(self, method: str, **params) -> dict:
        """A DevTools command and its result (events in between are skipped)."""
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def open(self, url: str) -> None:
        self.send("Page.navigate", url=url)

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (an exception in
        it is a RuntimeError with its text)."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise RuntimeError(details.get("exception", {}).get("description")
                               or details.get("text"))
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30.0, what: str = ""):
        """Evaluate ``expression`` until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate(expression)
            except RuntimeError as error:  # the page's objects not there yet
                if str(error).startswith("SyntaxError"):
                    raise
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what or expression} did not happen within {timeout} s")
            time.sleep(0.1)

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.process.kill()
            self.process.wait(10)

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
