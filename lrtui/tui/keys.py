"""The app's keys: each binding, what it does and what the key bar calls it."""

from __future__ import annotations

from textual.binding import Binding, BindingType

KEYS: list[BindingType] = [
    Binding("space", "toggle_play", "play/pause", id="play"),
    Binding("n,right", "step", "step", id="step"),
    Binding("left", "back", "back", id="back"),
    Binding("r", "reset", "reset", id="reset"),
    Binding("plus,equals_sign", "lr(1)", "lr+", key_display="+", id="lr-up"),
    Binding("minus", "lr(-1)", "lr-", key_display="-", id="lr-down"),
    Binding("o", "cycle('optimizer')", "optimizer", show=False),
    Binding("right_square_bracket", "faster", "faster", key_display="]", show=False),
    Binding("left_square_bracket", "slower", "slower", key_display="[", show=False),
    Binding("w", "move('w', -1)", "w down", show=False),
    Binding("W", "move('w', 1)", "w up", show=False),
    Binding("b", "move('b', -1)", "b down", show=False),
    Binding("B", "move('b', 1)", "b up", show=False),
    Binding("colon", "prompt", "set", key_display=":"),
    Binding("l", "toggle_view('log')", "log", show=False),
    Binding("t", "toggle_view('tangents')", "tangents", show=False),
    Binding("a", "toggle_view('follow')", "follow", show=False),
    Binding("f", "toggle_view('formulas')", "formulas", show=False),
    Binding("g", "toggle_view('graph')", "graph", show=False),
    Binding("c", "toggle_view('map')", "loss map", show=False),
    Binding("v", "toggle_view('sweep')", "lr sweep", show=False),
    Binding("x", "write('script')", "export code", show=False),
    Binding("ctrl+s", "write('session')", "save", show=False),
    Binding("e", "write('history')", "export CSV", show=False),
    Binding("s", "write('screenshot')", "screenshot", show=False),
    Binding("z", "zoom", "zoom", show=False),
    Binding("question_mark,f1", "help", "help", key_display="?"),
    Binding("q", "quit", "quit"),
]
