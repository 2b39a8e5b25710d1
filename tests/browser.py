"""Open a page in headless Chromium and report what loaded and what played, for the gallery
site's test (``tests/test_site.py``).

Chromium is driven over the DevTools protocol through ``--remote-debugging-pipe``: JSON
messages ending in a NUL byte, read by Chromium from file descriptor 3 and written to
descriptor 4. No package is needed beyond the ``chromium`` binary (Debian's ``chromium``,
which plays H.264 mp4: :data:`CHECK` asks it ``canPlayType`` too)::

    with Browser() as browser:
        report = browser.check(Path("out/gallery/index.html"))

and, for a scene's reveal.js slides, with the network blocked (every host name fails to
resolve), :meth:`Browser.step_through` presses the right arrow through every slide.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

#: The browsers tried, in order.
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

FLAGS = (
    "--headless",
    "--no-sandbox",  # the sandbox needs user namespaces, which containers and root lack
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
    "--remote-debugging-pipe",
)

#: Run in the page: every image, fallback image, poster and video, loaded and played.
CHECK = """
(async () => {
  const pause = (ms) => new Promise((done) => setTimeout(done, ms));
  const load = async (src) => {
    const image = new Image();
    image.src = src;
    try { await image.decode(); } catch (e) { return 0; }
    return image.naturalWidth;
  };
  const h264 = 'video/mp4; codecs="avc1.640028"';
  const report = {images: [], fallbacks: [], videos: [],
                  h264: document.createElement('video').canPlayType(h264)};
  for (const img of document.querySelectorAll('img')) {
    if (img.closest('video')) {  // fallback content: never shown where video plays
      report.fallbacks.push({src: img.getAttribute('src'), width: await load(img.src)});
      continue;
    }
    if (!img.complete) {
      await new Promise((done) => {
        img.addEventListener('load', done);
        img.addEventListener('error', done);
      });
    }
    report.images.push({src: img.getAttribute('src'), width: img.naturalWidth});
  }
  for (const video of document.querySelectorAll('video')) {
    const got = {src: video.currentSrc, poster: video.getAttribute('poster')};
    if (video.readyState < 1) {
      await Promise.race([
        new Promise((done) => video.addEventListener('loadedmetadata', done, {once: true})),
        new Promise((done) => video.addEventListener('error', done, {once: true})),
        pause(20000),
      ]);
    }
    got.readyState = video.readyState;
    got.duration = video.duration;
    got.error = video.error ? video.error.code : null;
    video.muted = true;
    const before = video.currentTime;
    try { await video.play(); got.played = true; } catch (e) { got.played = String(e); }
    const start = performance.now();
    while (video.currentTime <= before && performance.now() - start < 10000) await pause(50);
    got.advanced = video.currentTime - before;
    video.pause();
    got.posterWidth = got.poster ? await load(video.poster) : 0;
    report.videos.push(got);
  }
  return JSON.stringify(report);
})()
"""


#: Run in the page: wait for reveal.js, then report the slides and their notes.
READY = """
(async () => {
  const pause = (ms) => new Promise((done) => setTimeout(done, ms));
  const start = performance.now();
  while (!(window.Reveal && Reveal.isReady()) && performance.now() - start < 30000) await pause(50);
  if (!(window.Reveal && Reveal.isReady())) return JSON.stringify({ready: false});
  return JSON.stringify({ready: true, total: Reveal.getTotalSlides(),
    notes: Reveal.getSlides().map((s) => Reveal.getSlideNotes(s) || '')});
})()
"""

#: Run in the page after a key press: which slide is shown, and its background video.
SHOWN = """
(async () => {
  const pause = (ms) => new Promise((done) => setTimeout(done, ms));
  const start = performance.now();
  let video = null;
  while (performance.now() - start < 20000) {
    video = document.querySelector('.slide-background.present video');
    if (video && (video.readyState >= 1 || video.error)) break;
    await pause(50);
  }
  return JSON.stringify({index: Reveal.getIndices().h, video: video && {
    readyState: video.readyState, duration: video.duration,
    error: video.error ? video.error.code : null}});
})()
"""


def find_chromium() -> str | None:
    """The path of a Chromium-like browser on ``PATH``, or ``None``."""
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


class Browser:
    """A headless Chromium process and one page, spoken to over the DevTools pipe."""

    def __init__(
        self, exe: str | None = None, timeout: float = 60.0, offline: bool = False
    ) -> None:
        """``offline``: every host name fails to resolve, so nothing loads from a network."""
        self.offline = offline
        self.exe = exe or find_chromium()
        if self.exe is None:
            raise FileNotFoundError("no chromium on PATH")
        self.timeout = timeout
        self.events: list[dict[str, Any]] = []
        self._next = 0
        self._buffer = b""

    def __enter__(self) -> Browser:
        self._profile = tempfile.TemporaryDirectory(prefix="visualdl-chromium-")
        self._log = open(Path(self._profile.name) / "stderr.txt", "w+b")  # noqa: SIM115
        to_browser, self._send = os.pipe()
        self._read, from_browser = os.pipe()
        flags = [*FLAGS, f"--user-data-dir={self._profile.name}/profile"]
        if self.offline:
            flags.append("--host-resolver-rules=MAP * ~NOTFOUND")
        flags.append("about:blank")
        self.process = subprocess.Popen(  # the pipe ends become its descriptors 3 and 4
            # bash, not sh: dash refuses descriptors above 9 in a redirection
            ["bash", "-c", f'exec "$0" "$@" 3<&{to_browser} 4>&{from_browser}', self.exe, *flags],
            pass_fds=(to_browser, from_browser),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=self._log,
        )
        os.close(to_browser)
        os.close(from_browser)
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        attached = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})
        self.session = attached["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.call(f"{domain}.enable", session=self.session)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except (OSError, TimeoutError, EOFError, RuntimeError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._send)
        os.close(self._read)
        self._log.close()
        self._profile.cleanup()

    def stderr(self) -> str:
        """What the browser printed (for a failing test's message)."""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"chromium did not answer in time; it said:\n{self.stderr()}")
            ready, _, _ = select.select([self._read], [], [], left)
            if ready:
                chunk = os.read(self._read, 1 << 20)
                if not chunk:
                    raise EOFError(f"chromium closed the pipe; it said:\n{self.stderr()}")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send one command and return its result; events that come first are kept in
        :attr:`events`. ``RuntimeError`` when the browser answers with an error."""
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._send, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            answer = self._receive(deadline)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method: str, timeout: float | None = None) -> dict[str, Any]:
        """The first event ``method`` (already received, or the next to come)."""
        for event in self.events:
            if event.get("method") == method:
                return event
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            event = self._receive(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def evaluate(self, script: str, timeout: float | None = None) -> Any:
        """The value of ``script`` in the page (awaited when it is a promise)."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": script, "awaitPromise": True, "returnByValue": True},
            session=self.session,
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"the page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def errors(self) -> list[str]:
        """Every console error, uncaught exception and error log entry so far."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(" ".join(str(a.get("value", a)) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                found.append(str(params.get("exceptionDetails", {}).get("text")))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                entry = params["entry"]
                found.append(f"{entry.get('text')} {entry.get('url', '')}".strip())
        return found

    def open(self, page: Path) -> None:
        """Open ``page`` (a file) and wait for its load event; the events so far are dropped."""
        self.events.clear()
        self.call("Page.navigate", {"url": page.resolve().as_uri()}, session=self.session)
        self.wait_for("Page.loadEventFired")

    def check(self, page: Path, timeout: float = 300.0) -> dict[str, Any]:
        """Open ``page`` (a file), wait for its load event, run :data:`CHECK` and return its
        report, with ``errors`` (:meth:`errors`) added."""
        self.open(page)
        report = json.loads(self.evaluate(CHECK, timeout=timeout))
        report["errors"] = self.errors()
        return report

    def requests(self) -> tuple[list[str], list[str]]:
        """The URLs requested so far that are not the page's own (``file:``, ``data:``,
        ``blob:``), and the requests that failed."""
        asked, failed = [], []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(("file:", "data:", "blob:")):
                    asked.append(url)
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                failed.append(f"{params.get('errorText')} ({params.get('type')})")
        return asked, failed

    def press(self, key: str, code: int) -> None:
        """Press and release ``key`` (its Windows virtual key ``code``) in the page."""
        for kind in ("keyDown", "keyUp"):
            params = {"type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code}
            self.call("Input.dispatchKeyEvent", params, session=self.session)

    def step_through(self, page: Path) -> dict[str, Any]:
        """Open the reveal.js ``page``, then press the right arrow once per slide; returns
        what :data:`READY` reported, ``shown`` (what :data:`SHOWN` reported at the start and
        after each press), ``requests``, ``failed`` and ``errors``."""
        self.open(page)
        report = json.loads(self.evaluate(READY, timeout=60))
        shown = []
        if report["ready"]:
            shown.append(json.loads(self.evaluate(SHOWN, timeout=30)))
            for _ in range(report["total"]):  # one press past the last slide: it stays there
                self.press("ArrowRight", 39)
                shown.append(json.loads(self.evaluate(SHOWN, timeout=30)))
        report["shown"] = shown
        report["requests"], report["failed"] = self.requests()
        report["errors"] = self.errors()
        return report
