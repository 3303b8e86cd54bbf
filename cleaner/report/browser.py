"""Open a page in headless Chromium over the DevTools protocol: console errors, requests, a screenshot.

Used by the report's browser test and to make the README screenshot. Needs
the ``chromium`` executable and ``websocket-client`` (the ``dev`` extra).
Chromium is started with everything that phones home switched off, so the
only requests it makes are the page's own.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
)


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageVisit:
    console_errors: list[str] = field(default_factory=list)  # console.error, uncaught exceptions, error log entries
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    value: Any = None  # what the evaluated expression returned
    scroll_width: int = 0  # the page's width at the viewport width (wider: it scrolls sideways)
    screenshot: bytes = b""


class _Session:
    def __init__(self, ws_url: str) -> None:
        import websocket  # websocket-client

        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.session_id: str | None = None

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 60) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session_id and not method.startswith("Target."):
            message["sessionId"] = self.session_id
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)
        raise TimeoutError(method)

    def wait_for(self, method: str, timeout: float = 60) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method:
                return event
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            event = json.loads(self.ws.recv())
            self.events.append(event)
            if event.get("method") == method:
                return event
        raise TimeoutError(method)


def visit(page: str | os.PathLike[str], width: int = 1280, height: int = 900, expression: str = "null",
          full_page: bool = False, chromium: str | None = None, settle_s: float = 0.3,
          element: str | None = None) -> PageVisit:
    """Load a local file, evaluate ``expression`` in it, and screenshot it at ``width`` x ``height``
    (the whole page with ``full_page``; from the top of the element of id ``element``, ``height`` tall)."""
    exe = chromium or find_chromium()
    if exe is None:
        raise FileNotFoundError("chromium is not installed (Debian: apt-get install chromium)")
    url = Path(page).resolve().as_uri()
    profile = tempfile.mkdtemp(prefix="cleaner-chromium-")
    try:
        # Own session: chromium's helper processes (zygote, crashpad) outlive the browser
        # process and keep writing into the profile unless the whole group is stopped.
        proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )
        try:
            ws_url = _devtools_url(proc)
            session = _Session(ws_url)
            try:
                target = session.send("Target.createTarget", {"url": "about:blank"})["targetId"]
                session.session_id = session.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
                for domain in ("Page", "Runtime", "Log", "Network"):
                    session.send(f"{domain}.enable")
                session.send("Emulation.setDeviceMetricsOverride",
                             {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 700})
                session.send("Page.navigate", {"url": url})
                session.wait_for("Page.loadEventFired")
                time.sleep(settle_s)  # let late console messages arrive
                result = session.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
                value = result.get("result", {}).get("value")
                scroll = session.send("Runtime.evaluate", {"expression": "document.documentElement.scrollWidth",
                                                           "returnByValue": True})["result"]["value"]
                shot_params: dict[str, Any] = {"format": "png"}
                if element:
                    top = session.send("Runtime.evaluate", {
                        "expression": f"document.getElementById({json.dumps(element)}).getBoundingClientRect().top + scrollY",
                        "returnByValue": True})["result"]["value"]
                    shot_params.update(captureBeyondViewport=True,
                                       clip={"x": 0, "y": top, "width": width, "height": height, "scale": 1})
                elif full_page:
                    metrics = session.send("Page.getLayoutMetrics")
                    size = metrics.get("cssContentSize") or metrics["contentSize"]
                    shot_params.update(captureBeyondViewport=True,
                                       clip={"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1})
                png = base64.b64decode(session.send("Page.captureScreenshot", shot_params)["data"])
                visit_ = PageVisit(value=value, scroll_width=int(scroll), screenshot=png)
                for event in session.events:
                    _note(event, visit_)
                return visit_
            finally:
                session.ws.close()
        finally:
            _stop_group(proc)
    finally:
        _remove_profile(profile)


def _stop_group(proc: subprocess.Popen) -> None:
    """Stop chromium and every helper process it started (they share its process group)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _remove_profile(profile: str) -> None:
    # A helper that was still exiting may create a file after the first pass; retry briefly.
    for _ in range(20):
        shutil.rmtree(profile, ignore_errors=True)
        if not os.path.exists(profile):
            return
        time.sleep(0.1)


def _devtools_url(proc: subprocess.Popen) -> str:
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    seen = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        found = re.search(r"DevTools listening on (ws://\S+)", line)
        if found:
            return found.group(1)
    raise RuntimeError("chromium did not start: " + "".join(seen[-10:]))


def _note(event: dict[str, Any], into: PageVisit) -> None:
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        into.console_errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
    elif method == "Runtime.exceptionThrown":
        details = params.get("exceptionDetails", {})
        into.console_errors.append(details.get("exception", {}).get("description") or details.get("text", "exception"))
    elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
        into.console_errors.append(params["entry"].get("text", ""))
    elif method == "Network.requestWillBeSent":
        into.requests.append(params.get("request", {}).get("url", ""))


def main(argv: list[str] | None = None) -> None:
    """``python -m cleaner.report.browser PAGE PNG [--width W] [--height H] [--element ID]``: a screenshot."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m cleaner.report.browser", description=main.__doc__)
    parser.add_argument("page")
    parser.add_argument("png")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1400)
    parser.add_argument("--element", help="start at the element of this id (e.g. clusters)")
    parser.add_argument("--full-page", action="store_true")
    args = parser.parse_args(argv)
    seen = visit(args.page, args.width, args.height, full_page=args.full_page, element=args.element)
    Path(args.png).write_bytes(seen.screenshot)
    print(f"{args.png}: {len(seen.screenshot):,} bytes; console errors: {len(seen.console_errors)}; "
          f"requests: {len(seen.requests)}")


if __name__ == "__main__":
    main()
