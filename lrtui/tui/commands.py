"""The `:` prompt's little language: `lr 0.037`, `w 3.5`, `b -1`, `h 0.001`, `epochs 2000`.

Parsing is pure so that it is tested without the app; names, aliases and values go through
the one settings table (`lrtui.settings`), so a bad value reads as it does on the command
line. The app applies a parsed command to the trainer and shows any error in the prompt.
"""

from __future__ import annotations

from dataclasses import dataclass

from lrtui import settings
from lrtui.errors import DataError

USAGE = "type a setting and a value: " + ", ".join(
    f"{name} {settings.SETTINGS[name].example}" for name in settings.PROMPT
    if settings.SETTINGS[name].example
) + " (and any hyper-parameter of the optimizer)"


class CommandError(ValueError):
    """A prompt entry that cannot be applied; the message is shown in the prompt."""


@dataclass(frozen=True)
class Command:
    name: str
    value: float | int | str


def parse_command(text: str) -> Command:
    parts = text.replace("=", " ").split()
    if not parts:
        raise CommandError(USAGE)
    if len(parts) != 2:
        raise CommandError(f"expected a setting and one value; {USAGE}")
    word = parts[0].lower()
    name = settings.ALIASES.get(word, word)
    if name not in settings.PROMPT:
        raise CommandError(f"unknown setting {parts[0]!r}; {USAGE}")
    try:
        return Command(name, settings.parse(name, parts[1]))
    except DataError as exc:
        raise CommandError(str(exc)) from None
