"""`lrtui serve`: the app in a web browser, through textual-serve.

textual-serve runs a shell command for every browser tab that connects and relays the
terminal to it. The command is this same Python running `-m lrtui` with the flags the user
gave (data, training, display, --session), each one quoted for the shell, so a file name
with spaces or quotes reaches the app intact.

By default the server listens on 127.0.0.1 (this machine only). Anyone who can reach the
address it listens on gets an app that can read the files named on the command line and
write sessions, exports and screenshots into the folder it runs in. So binding to any other
address needs a token, as Jupyter does: generated at start (or `--token T`), printed in the
URL, and asked for by the page and the websocket; `--no-token` opts out, and the first line
lrtui prints then warns. For a classroom, `--max-sessions` caps the app processes and
`--idle-timeout` ends the sessions nobody uses (lrtui/serve_server.py does both).

The app's file keys (ctrl+s, e, s, x) send their files to the student's browser as downloads
and write nothing here, unless `--save-dir DIR` is given: serve then sets LRTUI_SAVE_DIR in
each app's environment, and the apps write into DIR (lrtui/tui/files.py).
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import os
import secrets
import shlex
import socket
import sys
from typing import Any, Callable
from urllib.parse import quote

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# Measured by bench/serve.py (issue 12; bench/RESULTS.md): on 2 cores, 18 sessions playing
# at once each kept >= 10 frames/s (19 did not); a paused session costs memory, not CPU.
SESSIONS_PER_CORE = 9
DEFAULT_MAX_SESSIONS = SESSIONS_PER_CORE * (os.cpu_count() or 1)
DEFAULT_IDLE_MINUTES = 30.0
EXPOSURE_WARNING = (
    "binding to any address other than loopback (127.0.0.1, ::1, localhost) exposes the "
    "app, and the files it can read and write, to the network"
)
WILDCARDS = ("0.0.0.0", "::", "")
SAVE_DIR_ENV = "LRTUI_SAVE_DIR"  # a served app writes its files here; unset: to the browser


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_flags(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[str]:
    """The app's flags that `args` sets, as `--name=value` words (in the parser's order);
    options that are not the app's own (serve's --host, --port, ...) are left out."""
    skip = {"help", "version", "command", "host", "port", "max_sessions",
            "idle_timeout", "token", "no_token", "save_dir"}
    flags: list[str] = []
    for action in parser._actions:  # the app's options are the top-level parser's
        if action.dest in skip or not action.option_strings:
            continue
        value = getattr(args, action.dest, None)
        if value is None or value is False:
            continue
        flag = max(action.option_strings, key=len)
        if value is True:
            flags.append(flag)
        else:
            flags.append(f"{flag}={value!r}" if isinstance(value, float) else f"{flag}={value}")
    return flags


def serve_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    """The shell command textual-serve runs for each browser tab."""
    return shlex.join([sys.executable, "-m", "lrtui", *app_flags(args, parser)])


def url(host: str, port: int, token: str | None = None) -> str:
    where = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    return where if token is None else f"{where}/?token={quote(token, safe='')}"


def first_line(host: str, port: int, token: str | None = None) -> str:
    where = url(host, port, token)
    if is_loopback(host):
        return f"lrtui serve: {where} (this machine only; {EXPOSURE_WARNING})"
    if token is not None:
        return (f"lrtui serve: {where} (open to the network, behind the token: whoever has "
                "this address can use the app, and the files it can read and write)")
    return f"lrtui serve: {where}: WARNING: {EXPOSURE_WARNING}, and {host} is not loopback"


def minutes_text(minutes: float) -> str:
    return f"{minutes:g} minute{'' if minutes == 1 else 's'}"


def lan_address() -> str | None:
    """This machine's address on its network (the source of a route outwards; a UDP
    connect sends nothing), for the URL students type when the server listens on all."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never answered
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith(("127.", "0.")) else address


def start_lines(host: str, port: int, token: str | None, max_sessions: int,
                idle_minutes: float, save_dir: str | None = None) -> list[str]:
    lines = [first_line(host, port, token)]
    if host in WILDCARDS and (address := lan_address()) is not None:
        lines.append(f"lrtui serve: from the other machines: {url(address, port, token)}")
    idle = ("never ends a session for lack of input" if idle_minutes == 0 else
            f"ends a session after {minutes_text(idle_minutes)} without input")
    lines.append(f"lrtui serve: up to {max_sessions} sessions at once (--max-sessions); "
                 f"{idle} (--idle-timeout)")
    lines.append("lrtui serve: the files the apps save (ctrl+s, e, s, x) " + (
        f"are written into {save_dir} (--save-dir)" if save_dir is not None else
        "go to the browsers as downloads; nothing is written here (--save-dir DIR keeps them)"))
    return lines


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """`lrtui serve` with the checked arguments: the token is settled here."""
    token = args.token
    if token is None and not args.no_token and not is_loopback(args.host):
        token = secrets.token_urlsafe(24)
    return serve(serve_command(args, parser), args.host, args.port, token=token,
                 max_sessions=args.max_sessions, idle_minutes=args.idle_timeout,
                 save_dir=args.save_dir)


def serve(command: str, host: str, port: int, *, token: str | None = None,
          max_sessions: int = DEFAULT_MAX_SESSIONS,
          idle_minutes: float = DEFAULT_IDLE_MINUTES, save_dir: str | None = None) -> int:
    """Serve until interrupted (Ctrl+C or SIGTERM); returns the exit code. `save_dir`: the
    folder the apps write their files into (None: they send them to the browser)."""
    from lrtui.serve_server import ClassroomServer  # textual-serve, aiohttp and rich

    print("\n".join(start_lines(host, port, token, max_sessions, idle_minutes, save_dir)),
          flush=True)
    server = ClassroomServer(command, host, port, token=token, max_sessions=max_sessions,
                             idle_minutes=idle_minutes, save_dir=save_dir)
    try:
        server.serve()
    except OSError as exc:
        print(f"lrtui: error: cannot listen on {host}:{port} ({exc.strerror or exc}); "
              "choose another --port or --host", file=sys.stderr)
        return 2
    return 0


def add_command(commands: Any, add_run_options: Callable[..., None],
                add_display_options: Callable[..., None],
                add_session_option: Callable[..., None]) -> None:
    """The `serve` subcommand, on the command line's subparsers: the app's options (passed
    on to each app) and the server's own."""
    parser = commands.add_parser(
        "serve", help="serve the app to a web browser (textual-serve)",
        description="Serve the app to a web browser with textual-serve, each browser tab its "
        f"own app. Listens on {DEFAULT_HOST}:{DEFAULT_PORT} by default, so only this machine "
        f"can connect: {EXPOSURE_WARNING}, so any other address needs a token, printed in the "
        "URL at start. The data, training and display options are passed on to the app.",
    )
    add_run_options(parser, suppress=True)
    add_display_options(parser, suppress=True)
    add_session_option(parser, suppress=True)
    group = parser.add_argument_group("the server")
    group.add_argument("--host", default=DEFAULT_HOST,
                       help=f"address to listen on (default {DEFAULT_HOST}); "
                       f"WARNING: {EXPOSURE_WARNING}")
    group.add_argument("--port", type=port_number, default=DEFAULT_PORT,
                       help=f"port to listen on (default {DEFAULT_PORT})")
    door = group.add_mutually_exclusive_group()
    door.add_argument("--token", type=token_text, default=None,
                      help="the token the page and the websocket ask for (default: a random "
                      "one, printed in the URL, when --host is not loopback; none on loopback)")
    door.add_argument("--no-token", action="store_true",
                      help="ask for no token, even when --host is not loopback: anyone who "
                      "can reach the address gets the app")
    group.add_argument("--max-sessions", metavar="N", type=session_count,
                       default=DEFAULT_MAX_SESSIONS,
                       help="at most N browser sessions at once, each its own app process; "
                       "the next browser is told the class is full (default "
                       f"{SESSIONS_PER_CORE} per core, here {DEFAULT_MAX_SESSIONS}: as many "
                       "as all playing at once keep 10 frames/s each, measured by "
                       "bench/serve.py)")
    group.add_argument("--idle-timeout", metavar="MINUTES", type=idle_minutes_value,
                       default=DEFAULT_IDLE_MINUTES,
                       help="end a session after MINUTES without a key or click from its "
                       f"browser, fractions allowed; 0 never (default {DEFAULT_IDLE_MINUTES:g})")
    group.add_argument("--save-dir", metavar="DIR", type=save_folder, default=None,
                       help="write the files the apps save (ctrl+s session, e history, "
                       "s screenshot, x script) into the folder DIR on this machine; by "
                       "default they go to each student's browser as downloads, and nothing "
                       "is written here")


def _whole(text: str, high: int | None = None) -> int:
    """A whole number from 1 (to `high`), for argparse: one message per mistake."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if high is not None and not 1 <= value <= high:
        raise argparse.ArgumentTypeError(f"must be between 1 and {high}, got {text}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def port_number(text: str) -> int:
    return _whole(text, 65535)


def session_count(text: str) -> int:
    return _whole(text)


def idle_minutes_value(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (never) or more minutes, got {text}")
    return value


def save_folder(text: str) -> str:
    """--save-dir: an existing folder, as an absolute path (the apps are told it)."""
    path = os.path.abspath(os.path.expanduser(text)) if text else ""
    if not path or not os.path.isdir(path):
        raise argparse.ArgumentTypeError(f"{text!r} is not an existing folder")
    if not os.access(path, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write into the folder {text!r}")
    return path


def token_text(text: str) -> str:
    if not text or any(c.isspace() or not c.isprintable() for c in text):
        raise argparse.ArgumentTypeError(
            f"must be a non-empty word without spaces, got {text!r}")
    return text
