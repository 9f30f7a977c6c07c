"""The classroom server behind `lrtui serve`: textual-serve's `Server`, one app process per
browser websocket as before, with

- a door: with a token, the page (`/`) and the websocket (`/ws`) answer 403 to a request
  without it, before any app process is started (compared with `hmac.compare_digest`);
- a cap: at most `max_sessions` apps at once; the next browser is told the class is full
  (a 503 page, or a websocket closed with that message) and no process is started;
- an idle timeout: a session without a key or a click from its browser (a `stdin` message)
  for that long ends, with a message in the browser, and its app process is stopped;
- the teacher's view: one line on stdout per session start and end (local time, the number
  of sessions running after the change, the browser's address), and per refusal;
- the save folder: each app's environment has LRTUI_SAVE_DIR set to `--save-dir`, or not
  at all (then the app sends its files to the browser, lrtui/tui/files.py);
- isolation: a session whose app process crashes or is killed ends alone (its browser is told),
  the other sessions and the server go on.

The page's URLs come from the request (the address the browser used), not from `--host`: a
server listening on 0.0.0.0 gives a student's browser a websocket it can reach.

This module imports textual_serve (and so aiohttp and rich): `lrtui.serve` imports it only
when it serves.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, quote

import aiohttp_jinja2
from aiohttp import WSCloseCode, web
from multidict import MultiDict
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from lrtui.serve import SAVE_DIR_ENV, minutes_text

log = logging.getLogger("textual-serve")

STOP_GRACE = 5.0  # seconds an app has to quit, then to end on SIGTERM, before SIGKILL

# Shows the reason a server closed the websocket with (the class is full, no input for a
# while, the app stopped) in the page's "Session ended." box, which covers the terminal.
CLOSE_REASON_SCRIPT = """<script>
(function () {
  const Native = window.WebSocket;
  function LrtuiWebSocket(url, protocols) {
    const socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    socket.addEventListener("close", function (event) {
      const box = document.querySelector(".closed-dialog .message");
      if (box && event.reason) { box.textContent = event.reason; }
    });
    return socket;
  }
  LrtuiWebSocket.prototype = Native.prototype;
  Object.assign(LrtuiWebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = LrtuiWebSocket;
})();
</script>
"""

FORBIDDEN = ("403 Forbidden: this lrtui needs its token. Open the address `lrtui serve` "
             "printed, with ?token=... at the end.\n")


def query_of(request: web.Request) -> MultiDict[str]:
    """The request's query. textual.js appends `?width=W&height=H` to the websocket URL the
    page gives it, which already holds `?token=...`: that second `?` is a separator (the
    token is percent-encoded in the page, so it holds no `?` of its own)."""
    raw = request.rel_url.raw_query_string.replace("?", "&")
    return MultiDict(parse_qsl(raw, keep_blank_values=True))


def remote_of(request: web.Request) -> str:
    return request.remote or "an unknown address"


def say(line: str) -> None:
    """One line of the teacher's view, with the local time."""
    print(f"{datetime.now():%H:%M:%S} {line}", flush=True)


class Session(AppService):
    """One browser's app process, with the time of its last input."""

    def __init__(self, *args: Any, remote: str, save_dir: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.remote = remote
        self.save_dir = save_dir
        self.last_input = time.monotonic()
        self.exited = asyncio.Event()  # the app's output ended (it quit, crashed or was killed)
        self.app_quit = False  # the app said it is exiting (the user quit it)
        self.ending = False  # the server is ending it: its exit does not close the websocket

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        environment.pop(SAVE_DIR_ENV, None)  # not the teacher's own: serve's --save-dir only
        if self.save_dir is not None:
            environment[SAVE_DIR_ENV] = self.save_dir
        return environment

    async def send_bytes(self, data: bytes) -> bool:  # a key, a click: the browser's input
        self.last_input = time.monotonic()
        return bool(await super().send_bytes(data))

    async def run(self) -> None:
        try:
            await super().run()
        finally:
            self.exited.set()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    async def exit_code(self, wait: float = 1.0) -> int | None:
        process = self._process
        if process is None:
            return None
        try:
            return await asyncio.wait_for(process.wait(), wait)
        except asyncio.TimeoutError:
            return None

    async def end(self) -> None:
        """Ask the app to quit; SIGTERM, then SIGKILL, if it does not; wait for it."""
        self.ending = True
        process = self._process
        if process is not None and process.returncode is None:
            await self.send_meta({"type": "quit"})
            for signal_next in (process.terminate, process.kill, None):
                try:
                    await asyncio.wait_for(asyncio.shield(process.wait()), STOP_GRACE)
                    break
                except asyncio.TimeoutError:
                    if signal_next is not None:
                        try:
                            signal_next()
                        except ProcessLookupError:
                            break
        await self.stop()  # its downloads are cancelled; its output reader has finished


class ClassroomServer(Server):
    def __init__(self, command: str, host: str, port: int, *, token: str | None,
                 max_sessions: int, idle_minutes: float, save_dir: str | None = None) -> None:
        # `exec`: the shell becomes the app, so the process stopped is the app itself.
        super().__init__(f"exec {command}", host=host, port=port, title="lrtui")
        self.token = token
        self.max_sessions = max_sessions
        self.idle_minutes = idle_minutes
        self.save_dir = save_dir
        self.running = 0  # sessions started and not yet ended (a slot is taken before start)
        self.sessions: dict[Session, web.WebSocketResponse] = {}
        self.stopping = False

    def initialize_logging(self) -> None:
        super().initialize_logging()
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # the teacher's lines

    async def on_startup(self, app: web.Application) -> None:  # instead of the banner
        self.console.print("Press Ctrl+C to stop.", highlight=False)

    async def on_shutdown(self, app: web.Application) -> None:
        self.stopping = True
        for websocket in list(self.sessions.values()):
            await self._close(websocket, "the server stopped", WSCloseCode.GOING_AWAY)
        deadline = time.monotonic() + 3 * STOP_GRACE
        while self.sessions and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    def full_message(self) -> str:
        return (f"the class is full: {self.running} sessions are running; try again when one "
                "closes")

    def _token_ok(self, request: web.Request, query: MultiDict[str]) -> bool:
        if self.token is None:
            return True
        given = query.get("token")
        if given is not None and hmac.compare_digest(given.encode(), self.token.encode()):
            return True
        say(f"refused ({'wrong' if given else 'no'} token) from {remote_of(request)}")
        return False

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        query = query_of(request)
        if not self._token_ok(request, query):
            return web.Response(status=403, text=FORBIDDEN)
        if self.running >= self.max_sessions:
            say(f"refused (the class is full: {self.running} running) from "
                f"{remote_of(request)}")
            return web.Response(status=503, content_type="text/html", text=(
                "<!DOCTYPE html><html><head><title>lrtui</title></head><body><p>"
                f"{self.full_message()}</p></body></html>\n"))
        websocket_url = f"{'wss' if request.secure else 'ws'}://{request.host}/ws"
        if self.token is not None:
            websocket_url += f"?token={quote(self.token, safe='')}"
        context = {
            "font_size": to_int(query.get("fontsize", "16"), 16),
            "app_websocket_url": websocket_url,
            "config": {"static": {"url": "/static/"}},
            "application": {"name": self.title},
        }
        html = aiohttp_jinja2.render_string("app_index.html", request, context)
        html = html.replace("</head>", CLOSE_REASON_SCRIPT + "</head>", 1)
        return web.Response(text=html, content_type="text/html")

    async def _close(self, websocket: web.WebSocketResponse, message: str,
                     code: int = WSCloseCode.OK) -> None:
        """Write `message` into the browser's terminal, then close with it as the reason."""
        if websocket.closed:
            return
        try:
            await websocket.send_bytes(f"\r\n\x1b[1m {message} \x1b[0m\r\n".encode())
            await websocket.close(code=code, message=message.encode()[:123])
        except (ConnectionError, RuntimeError):
            pass

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        query = query_of(request)
        if not self._token_ok(request, query):
            raise web.HTTPForbidden(text=FORBIDDEN)
        websocket = web.WebSocketResponse(heartbeat=15)
        remote = remote_of(request)
        if self.running >= self.max_sessions:
            message = self.full_message()
            say(f"refused (the class is full: {self.running} running) from {remote}")
            await websocket.prepare(request)
            await self._close(websocket, message, WSCloseCode.TRY_AGAIN_LATER)
            return websocket
        self.running += 1  # no await since the check: the slot is this session's
        say(f"session started ({self.running} running) from {remote}")
        session: Session | None = None
        reason = "the browser left"
        try:
            await websocket.prepare(request)

            async def close_from_app() -> None:  # the app exits (the user quit it)
                assert session is not None
                session.app_quit = True
                if not session.ending:
                    await websocket.close()

            session = Session(self.command, write_bytes=websocket.send_bytes,
                              write_str=websocket.send_str, close=close_from_app,
                              download_manager=self.download_manager, debug=self.debug,
                              remote=remote, save_dir=self.save_dir)
            self.sessions[session] = websocket
            await session.start(to_int(query.get("width", "80"), 80),
                                to_int(query.get("height", "24"), 24))
            reason = await self._attend(websocket, session)
        except asyncio.CancelledError:
            reason = "the server stopped"
        except Exception as error:
            log.exception(error)
            reason = f"error: {error}"
        finally:
            if session is not None:
                await session.end()
                self.sessions.pop(session, None)
            self.running -= 1
            say(f"session ended ({self.running} running) from {remote}: {reason}")
        return websocket

    async def _attend(self, websocket: web.WebSocketResponse, session: Session) -> str:
        """Relay the browser's messages until the browser leaves, the app exits or the
        session has been idle too long; end the session; say why."""
        reader = asyncio.create_task(self._process_messages(websocket, session))
        exited = asyncio.create_task(session.exited.wait())
        tasks = {reader, exited}
        idle = None
        if self.idle_minutes > 0:
            idle = asyncio.create_task(self._idle(session))
            tasks.add(idle)
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if idle in done:
            await session.end()
            why = f"no input for {minutes_text(self.idle_minutes)}"
            await self._close(websocket, f"session ended: {why}; reload the page to start again")
            return why
        if exited in done and not session.app_quit:
            code = await session.exit_code()
            why = ("the app stopped" if code is None else f"the app was killed (signal {-code})"
                   if code < 0 else f"the app stopped (exit code {code})")
            await self._close(websocket, f"session ended: {why}; reload the page to start "
                              "again", WSCloseCode.INTERNAL_ERROR)
            return why
        if session.app_quit:
            return "the user quit the app"
        return "the server stopped" if self.stopping else "the browser left"

    async def _idle(self, session: Session) -> None:
        """Returns once `session` has had no input for the idle timeout."""
        limit = self.idle_minutes * 60
        while (left := session.last_input + limit - time.monotonic()) > 0:
            await asyncio.sleep(left)
