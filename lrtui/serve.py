"""`lrtui serve`: the app in a web browser, through textual-serve.

textual-serve runs a shell command for every browser tab that connects and relays the
terminal to it. The command is this same Python running `-m lrtui` with the flags the user
gave (data, training, display, --session), each one quoted for the shell, so a file name
with spaces or quotes reaches the app intact.

By default the server listens on 127.0.0.1 (this machine only). Anyone who can reach the
address it listens on gets an app that can read the files named on the command line and
write sessions, exports and screenshots into the folder it runs in: binding to any other
address exposes that to the network, and the first line lrtui prints says so.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
EXPOSURE_WARNING = (
    "binding to any address other than loopback (127.0.0.1, ::1, localhost) exposes the "
    "app, and the files it can read and write, to the network"
)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_flags(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[str]:
    """The app's flags that `args` sets, as `--name=value` words (in the parser's order);
    options that are not the app's own (serve's --host, --port) are left out."""
    skip = {"help", "version", "command", "host", "port"}
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


def first_line(host: str, port: int) -> str:
    where = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    if is_loopback(host):
        return f"lrtui serve: {where} (this machine only; {EXPOSURE_WARNING})"
    return f"lrtui serve: {where}: WARNING: {EXPOSURE_WARNING}, and {host} is not loopback"


def serve(command: str, host: str, port: int) -> int:
    """Serve until interrupted (Ctrl+C or SIGTERM); returns the exit code."""
    from textual_serve.server import Server

    class _Server(Server):
        async def on_startup(self, app) -> None:  # instead of the banner and the logo
            self.console.print("Press Ctrl+C to stop.", highlight=False)

    print(first_line(host, port), flush=True)
    server = _Server(command, host=host, port=port, title="lrtui")
    try:
        server.serve()
    except OSError as exc:
        print(f"lrtui: error: cannot listen on {host}:{port} ({exc.strerror or exc}); "
              "choose another --port or --host", file=sys.stderr)
        return 2
    return 0


def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 1 and 65535, got {text}")
    return value
