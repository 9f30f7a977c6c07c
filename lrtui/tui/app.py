"""LrtuiApp: one training run, five views of it, and the keys that drive it.

The app owns the `Trainer` and the vars `frame`, `view` and `playing`; it makes one Frame per
publish and hands it down (number panels data-bound, plots given it in turn, at a lower rate:
they cost most of the bytes). Keys become trainer calls or a new `view`. See ARCHITECTURE.md.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.screen import Screen

from lrtui import settings
from lrtui.display import AppOptions
from lrtui.engine.data import Dataset
from lrtui.engine.ladder import ladder_step
from lrtui.engine.state import DIVERGED, TrainConfig, TrainingState
from lrtui.engine.trainer import Trainer
from lrtui.errors import DataError
from lrtui.present.frame import Frame, Run
from lrtui.present.view import ViewSettings
from lrtui.tui import files, loading
from lrtui.tui.ascii import AsciiFilter
from lrtui.tui.commands import CommandError, parse_command
from lrtui.tui.export_choice import ExportChoice
from lrtui.tui.keybar import KeyBar
from lrtui.tui.keys import KEYS
from lrtui.tui.palette import app_commands
from lrtui.tui.prompt import PromptBar
from lrtui.tui.views.formula import FormulaView
from lrtui.tui.views.graph import GraphView
from lrtui.tui.views.landscape import MapView
from lrtui.tui.views.numbers import GradientsView, ParametersView
from lrtui.tui.views.plots import FitView, LossHistoryView, StatePlot, TangentView
from lrtui.tui.views.race_table import RaceTable
from lrtui.tui.views.sweep_view import SweepView
from lrtui.tui.widgets import MainScreen, MessageBar, TooSmall

MIN_SIZE = (60, 18)  # below this the app asks for a larger terminal
FRAME_BUDGET = 0.6  # share of a frame the O(N) gradient sources may spend stepping
DEFAULT_TOL = 1e-8  # the app stops playing when the gradient norm falls below this


class LrtuiApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "lrtui"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = KEYS

    # `var`, not `reactive`: on an App a repainting reactive repaints the whole screen on
    # every assignment (measured: 18.7 KB a frame); the views bound to these repaint only
    # the cells that changed.
    frame: var[Frame] = var(None, always_update=True)  # type: ignore[arg-type]
    view: var[ViewSettings] = var(ViewSettings())
    playing: var[bool] = var(False)

    HINT = "space play · n step · ← back · +/- learning rate · : exact values · ? all keys"
    """The message bar when nothing else is to be said."""

    def __init__(self, trainer: Trainer, options: AppOptions | None = None,
                 view: ViewSettings | None = None) -> None:
        super().__init__()
        self.options = options or AppOptions()
        if self.options.ascii:  # every character on the screen ASCII (Textual's line filters)
            self._filters.append(AsciiFilter())
        if trainer.state.tol is None:
            trainer.set_tol(DEFAULT_TOL)  # so that playing stops by itself at convergence
        self.trainer, self.data = trainer, trainer.data
        self.run_info = Run.of(trainer)
        self._frame_count = 0
        self._lrtui_ready = False
        self.set_reactive(LrtuiApp.view, view or ViewSettings())
        self.set_reactive(LrtuiApp.frame, self._make_frame())

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        ascii_only = self.options.ascii
        with Vertical(id="main"):
            with Horizontal(id="numbers"):
                self.parameters = ParametersView(id="parameters").data_bind(LrtuiApp.frame)
                self.gradients = GradientsView(id="gradients").data_bind(LrtuiApp.frame)
                self.formula_view = FormulaView(ascii_only=ascii_only, id="formula").data_bind(
                    LrtuiApp.frame)
                self.race_table = RaceTable(id="race").data_bind(LrtuiApp.frame)
                yield from (self.parameters, self.gradients, self.formula_view, self.race_table)
            with Horizontal(id="plots"):  # the plots are given frames by _publish, in turn
                self.loss_view = LossHistoryView(ascii_only=ascii_only, id="loss-plot")
                self.tangent_view = TangentView(ascii_only=ascii_only, id="tangent-plot")
                self.fit_view = FitView(ascii_only=ascii_only, id="fit-plot")
                self.graph_view = GraphView(ascii_only=ascii_only, id="graph")
                self.map_view = MapView(ascii_only=ascii_only, id="map")
                self.sweep_view = SweepView(ascii_only=ascii_only, id="sweep")
                yield from (self.loss_view, self.tangent_view, self.fit_view, self.graph_view,
                            self.map_view, self.sweep_view)
        self.message = MessageBar(id="message")
        self.prompt_bar = PromptBar(id="prompt")
        self.too_small = TooSmall("", id="too-small")
        self.key_bar = KeyBar(id="keys")
        yield from (self.message, self.prompt_bar, self.too_small, self.key_bar)

    def on_mount(self) -> None:
        self._lrtui_ready = True  # composed: the watchers below may use the widgets
        self._timer = self.set_interval(1 / self.options.fps, self._tick, pause=True)
        race = bool(getattr(self.trainer, "followers", ()))  # lrtui race --app
        self.screen.set_class(self.options.ascii, "-ascii").set_class(race, "-race")
        self.watch_view(self.view)
        self.check_size(self.screen)

    def get_default_screen(self) -> Screen[None]:  # MainScreen: its zoom keeps the focus
        return MainScreen(id="_default")

    def check_size(self, screen: Screen[Any]) -> None:
        """Below MIN_SIZE, hide the panels and ask for a larger terminal."""
        self.too_small.check(screen, MIN_SIZE)

    # -- publishing ----------------------------------------------------------------------

    @property
    def state(self) -> TrainingState:
        return self.frame.state

    @property
    def plots(self) -> tuple[StatePlot | GraphView | MapView, ...]:
        """The views drawn at the plot rate (the graph or map replace two, the sweep three)."""
        if self.view.sweep:
            return (self.sweep_view,)
        if self.view.graph or self.view.map:
            return (self.loss_view, self.graph_view if self.view.graph else self.map_view)
        return (self.loss_view, self.tangent_view, self.fit_view)

    def _make_frame(self) -> Frame:
        return Frame.of(self.run_info, self.trainer, self.view, self.playing)

    def _publish(self, plots: bool = True) -> None:
        """A new frame from the trainer: the numbers always, the plots if asked."""
        self.frame = self._make_frame()
        if plots:
            for view in self.plots:
                view.frame = self.frame

    def _publish_soon(self) -> None:
        """After a key: the numbers in this frame, the plots (slower to draw) in the next."""
        self._publish(plots=False)
        self.call_after_refresh(self._publish)

    def watch_frame(self, frame: Frame | None) -> None:
        if frame is None or not self._lrtui_ready:
            return
        text, tone = frame.message
        self.message.show(text or self.HINT, tone)
        s, trainer = frame.state, self.trainer  # what check_action reads: not every tick
        keys = (frame.playing, s.status, s.epoch > 0, trainer.can_step, trainer.can_go_back)
        if keys != getattr(self, "_keys", None):
            self._keys = keys
            self.refresh_bindings()

    def refresh_bindings(self) -> None:
        super().refresh_bindings()
        if self._lrtui_ready:
            self.key_bar.refresh_if_changed()

    def watch_view(self, view: ViewSettings) -> None:
        """CSS classes follow the view; a new frame shows it."""
        if self._lrtui_ready:
            main = self.screen_stack[0]  # set_class returns the node
            main.set_class(view.formulas, "-formula").set_class(view.graph, "-graph")
            main.set_class(view.map, "-map").set_class(view.sweep, "-sweep")
            self._publish()

    def watch_playing(self) -> None:
        if self._lrtui_ready:
            self._publish(plots=not self.playing)  # the plots catch up when it pauses

    # -- playing -------------------------------------------------------------------------

    def _tick(self) -> None:
        if not self.playing:
            return
        deadline = time.perf_counter() + FRAME_BUDGET / self.options.fps
        self.trainer.run(self.view.speed, deadline=deadline)
        self._frame_count += 1
        if self.trainer.done:  # converged, diverged or out of epochs (a race: every runner)
            self._set_playing(False)
            return
        # One plot every plot_every frames, in turn: never three plots in one frame.
        self._publish(plots=False)
        every = self.options.plot_every
        if self._frame_count % every == 0:
            plots = self.plots
            plots[self._frame_count // every % len(plots)].frame = self.frame

    def _set_playing(self, on: bool) -> None:
        if on == self.playing:
            return
        (self._timer.resume if on else self._timer.pause)()
        self.playing = on

    # -- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        trainer = self.trainer
        if not isinstance(self.screen, MainScreen) and action not in ("quit", "help"):
            return False  # the help screen or the palette is in front
        if self.screen.has_class("-prompting"):
            return False  # what is typed after `:` belongs to the prompt (see on_key)
        if action == "step":
            return True if trainer.can_step else None
        if action == "back":
            return True if trainer.can_go_back else None
        if action == "reset":
            return True if self.state.epoch > 0 or self.state.status == DIVERGED else None
        if action == "toggle_play":
            return True if (self.playing or not trainer.done) else None
        return True

    def action_toggle_play(self) -> None:
        self._set_playing(not self.playing)
        self.user_took_control()

    def user_took_control(self) -> None:
        """After a user's key changed or paused the run (the demo's tour holds); a no-op here."""

    def _pause_for_user(self) -> None:
        self._set_playing(False)
        self.user_took_control()

    def _do(self, change: Any, *args: Any) -> None:
        """Pause, make one trainer call, and show its effect."""
        self._pause_for_user()
        change(*args)
        self._publish_soon()

    def action_step(self) -> None:
        self._do(self.trainer.step)

    def action_back(self) -> None:  # type: ignore[override]  # one step back, not App's
        self._do(self.trainer.back)

    def action_reset(self) -> None:
        self._do(self.trainer.reset)

    def action_lr(self, direction: int) -> None:
        self.apply_settings({"lr": ladder_step(self.state.lr, direction)})

    def action_cycle(self, name: str) -> None:
        """The setting's next choice (o: the next optimizer; the run restarts)."""
        choices = settings.SETTINGS[name].choices
        now = getattr(self.trainer.current_config(), name)
        self.apply_settings({name: choices[(choices.index(now) + 1) % len(choices)]})

    def apply_settings(self, values: dict[str, Any]) -> None:
        """Apply checked settings of the table (run and view ones). A change of lr plays on;
        any other run setting pauses. Raises DataError if a value does not fit the run."""
        run = {k: v for k, v in values.items() if k in settings.RUN}
        if run and loading.load_first(self, values):  # a framework to import first
            return
        if run:
            diverged = self.state.status == DIVERGED
            if set(run) != {"lr"} or diverged:  # a diverged run restarts with the new rate
                self._set_playing(False)
            settings.apply_run(self.trainer, run)
            self.user_took_control()
            self._publish_soon()
        view = settings.view_changes(values)
        if view:
            self.view = self.view.changed(**view)

    def action_faster(self) -> None:
        speed = min(settings.MAX_SPEED, int(ladder_step(self.view.speed, +1)))
        self.view = replace(self.view, speed=speed)

    def action_slower(self) -> None:
        if self.view.speed > 1:
            self.view = replace(self.view, speed=max(1, int(ladder_step(self.view.speed, -1))))

    def action_move(self, which: str, direction: int) -> None:
        """Move w or b by a view-sized step and restart the run from there."""
        w, b = self.frame.moved_start(which, direction)
        self.apply_settings({"w": w, "b": b})

    def action_toggle_view(self, name: str) -> None:
        """Flip one of the view's flags: log, tangents, formulas, graph, map, follow."""
        self.view = self.view.toggled(name)

    def action_zoom(self) -> None:
        panels = (self.parameters, self.gradients, self.formula_view, self.loss_view,
                  self.tangent_view, self.fit_view, self.graph_view, self.map_view,
                  self.sweep_view)
        self.screen_stack[0].toggle_zoom(panels, self.loss_view)  # type: ignore[attr-defined]

    def action_help(self) -> None:
        from lrtui.tui.help import HelpScreen  # here: its Markdown costs ~40 ms of start-up

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # -- the prompt ----------------------------------------------------------------------

    def action_prompt(self, text: str = "") -> None:
        self._pause_for_user()
        self.prompt_bar.open(text)
        self.key_bar.refresh_if_changed()  # the app's keys are off while the prompt is open

    def on_prompt_bar_submitted(self, message: PromptBar.Submitted) -> None:
        try:
            command = parse_command(message.text)
            self.apply_settings({command.name: command.value})
        except (CommandError, DataError) as exc:
            self.prompt_bar.show_error(str(exc))
            return
        self.prompt_bar.close()

    def on_prompt_bar_closed(self) -> None:
        self.loss_view.focus()
        self.key_bar.refresh_if_changed()

    def on_key(self, event: events.Key) -> None:
        """Keys typed fast after `:` (a paste, tmux send-keys) were queued for the panel that
        had the focus before the prompt took it: they belong to the prompt."""
        if self.screen.has_class("-prompting"):
            self.prompt_bar.take_key(event)

    def action_write(self, what: str) -> None:
        """ctrl+s, e, s, x: a file into the current folder, or to the browser (files.py)."""
        if what in ("session", "history"):
            self._pause_for_user()
        if what == "script":  # x: in which language first (export_choice.py)
            self.push_screen(ExportChoice())
        else:
            self.message.show(*files.write(what, self))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:  # ctrl+p
        yield from super().get_system_commands(screen)
        yield from app_commands(self)


def make_app(data: Dataset, config: TrainConfig) -> LrtuiApp:
    """The app factory of the tests and the screenshot script (the CLI builds the Trainer
    itself, to check the input before the terminal is taken over)."""
    return LrtuiApp(Trainer(data, config))
