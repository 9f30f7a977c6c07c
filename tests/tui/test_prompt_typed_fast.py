"""Everything typed after `:` belongs to the prompt, however fast it arrives: a paste, or
tmux send-keys ':lr 0.5' Enter in one call, queues the keys before the prompt has the focus.
Before the fix, `l` toggled the log scale and the space started playing."""

from __future__ import annotations

import json

from textual import events

from lrtui.present.view import ViewSettings

from .conftest import seed_app
from .pty_app import PtyApp

KEYS = [(":", "colon"), ("l", "l"), ("r", "r"), (" ", "space"), ("0", "0"), (".", "full_stop"),
        ("5", "5"), (None, "enter")]


async def test_keys_queued_at_once_reach_the_prompt():
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for character, key in KEYS:  # all queued before any is handled
            app.post_message(events.Key(key, character))
        await pilot.pause(0.3)
        state = app.trainer.state
        assert state.lr == 0.5
        assert state.epoch == 0 and not app.playing  # the space did not play
        assert app.view == ViewSettings()  # `l` did not toggle the log scale
        assert not app.screen.has_class("-prompting")  # the entry was applied and closed


async def test_escape_queued_behind_the_colon_gives_the_keys_back():
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for character, key in [(":", "colon"), ("h", "h"), (None, "escape"), ("l", "l")]:
            app.post_message(events.Key(key, character))
        await pilot.pause(0.3)
        assert not app.screen.has_class("-prompting")
        assert app.view.log  # the prompt closed at escape, so `l` was the app's again
        for character, key in [(":", "colon"), ("t", "t"), ("o", "o"), ("l", "l"),
                               (" ", "space"), ("1", "1"), (None, "enter")]:
            app.post_message(events.Key(key, character))
        await pilot.pause(0.3)
        assert app.trainer.state.tol == 1.0 and not app.view.tangents


def test_one_write_to_a_real_terminal(tmp_path):
    """The real app in a pseudo-terminal, the keys in one write as tmux send-keys sends
    them; ctrl+s saves the session, which shows what changed."""
    app = PtyApp(cwd=tmp_path)
    try:
        app.read_until("parameters")
        app.write(":lr 0.5\r")
        app.read_until("0.5")
        app.write("\x13")  # ctrl+s
        app.read_until("saved the session")
        app.write("q")
        assert app.wait() == 0
    finally:
        app.kill()
    (saved,) = tmp_path.glob("lrtui-session-*.json")
    doc = json.loads(saved.read_text())
    assert doc["config"]["lr"] == 0.5
    assert doc["state"]["epoch"] == 0
    assert doc["view"] == {"speed": 1, "log": False, "tangents": False, "formulas": False,
                           "graph": False, "map": False, "sweep": False, "follow": True}
