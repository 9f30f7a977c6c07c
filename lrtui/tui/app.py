"""LrtuiApp: one training run, five views of it, and the keys that drive it.

The app owns the `Trainer` and publishes its `TrainingState` in the `state` reactive; the
views are bound to it and only draw. Keys become trainer calls. Playing runs `speed`
engine steps per timer tick and renders once; the plots are refreshed at a lower rate than
the numbers while playing, because they cost most of the bytes sent to the terminal.
"""

from __future__ import annotations

import time

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, Static

from lrtui.engine.data import Dataset
from lrtui.engine.ladder import ladder_step, nice_step
from lrtui.engine.scenes import fit_sample, fit_scene, w_window
from lrtui.engine.session import ViewSettings
from lrtui.engine.trainer import CONVERGED, DIVERGED, TrainConfig, Trainer, TrainingState
from lrtui.tui.files import FileActions
from lrtui.tui.messages import status_message
from lrtui.tui.options import AppOptions
from lrtui.tui.prompt import PromptActions, PromptBar
from lrtui.tui.views.formula import FormulaView
from lrtui.tui.views.graph import GraphView
from lrtui.tui.views.numbers import GradientsView, ParametersView
from lrtui.tui.views.plots import FitView, LossHistoryView, TangentView

MIN_SIZE = (60, 18)  # below this the app asks for a larger terminal
MAX_SPEED = 100_000  # engine steps per frame
FRAME_BUDGET = 0.6  # share of a frame the O(N) gradient sources may spend stepping
DEFAULT_TOL = 1e-8  # the app stops playing when the gradient norm falls below this


class MessageBar(Static):
    """One or two lines that say what is happening and what to press; repainted only
    when its text changes."""

    def show(self, text: str, tone: str) -> None:
        if (text, tone) != getattr(self, "_shown", None):
            self._shown = (text, tone)
            self.update(text)
            self.set_classes(f"-{tone}" if tone else "")

    @property
    def text(self) -> str:
        return self._shown[0]


class MainScreen(Screen):
    """The app's screen; it tells the app when the terminal changes size."""

    def on_resize(self) -> None:
        self.app.check_size(self)


class LrtuiApp(FileActions, PromptActions, App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "lrtui"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("space", "toggle_play", "play/pause", id="play"),
        Binding("n,right", "step", "step", id="step"),
        Binding("left", "back", "back", id="back"),
        Binding("r", "reset", "reset", id="reset"),
        Binding("plus,equals_sign", "lr_up", "lr+", key_display="+", id="lr-up"),
        Binding("minus", "lr_down", "lr-", key_display="-", id="lr-down"),
        Binding("right_square_bracket", "faster", "faster", key_display="]", show=False),
        Binding("left_square_bracket", "slower", "slower", key_display="[", show=False),
        Binding("w", "move('w', -1)", "w down", show=False),
        Binding("W", "move('w', 1)", "w up", show=False),
        Binding("b", "move('b', -1)", "b down", show=False),
        Binding("B", "move('b', 1)", "b up", show=False),
        Binding("colon", "prompt", "set", key_display=":"),
        Binding("l", "toggle_log", "log", show=False),
        Binding("t", "toggle_samples", "tangents", show=False),
        Binding("f", "toggle_formula", "formulas", show=False),
        Binding("g", "toggle_graph", "graph", show=False),
        Binding("x", "export_code", "export code", show=False),
        Binding("ctrl+s", "save_session", "save", show=False),
        Binding("e", "export_history", "export CSV", show=False),
        Binding("s", "screenshot", "screenshot", show=False),
        Binding("z", "zoom", "zoom", show=False),
        Binding("question_mark,f1", "help", "help", key_display="?"),
        Binding("q", "quit", "quit"),
    ]

    # `var`, not `reactive`: on an App a repainting reactive repaints the whole screen on
    # every assignment (measured: 18.7 KB a frame); the views bound to these repaint only
    # the cells that changed.
    state: var[TrainingState] = var(None)
    playing: var[bool] = var(False)
    speed: var[int] = var(1)

    # The message bar's hint when nothing else is to be said.
    HINT = "space play · n step · ← back · +/- learning rate · : exact values · ? all keys"

    def __init__(
        self, trainer: Trainer, options: AppOptions | None = None, view: ViewSettings | None = None
    ) -> None:
        super().__init__()
        self.initial_view = view  # a resumed session's speed, log scale, tangents, formulas
        self.options = options or AppOptions()
        if trainer.state.tol is None:
            trainer.set_tol(DEFAULT_TOL)  # so that playing stops by itself at convergence
        self.trainer = trainer
        self.data = trainer.data
        self._frame = 0
        self._fit_sample = fit_sample(self.data)
        self.set_reactive(LrtuiApp.state, self.trainer.state)

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        trainer = self.trainer
        ascii_only = self.options.ascii
        with Vertical(id="main"):
            with Horizontal(id="numbers"):
                self.parameters = ParametersView(trainer.theory, id="parameters").data_bind(
                    LrtuiApp.state, LrtuiApp.playing, LrtuiApp.speed
                )
                yield self.parameters
                self.gradients = GradientsView(self.data, trainer.stats, id="gradients").data_bind(
                    LrtuiApp.state, LrtuiApp.playing
                )
                yield self.gradients
                self.formula_view = FormulaView(self.data, id="formula").data_bind(LrtuiApp.state)
                yield self.formula_view
            with Horizontal(id="plots"):
                # The plots are given the state by _publish, in turn while playing.
                self.loss_view = LossHistoryView(
                    trainer.history, ascii_only=ascii_only, id="loss-plot"
                )
                yield self.loss_view
                self.tangent_view = TangentView(
                    trainer.theory, trainer.start[0], ascii_only=ascii_only, id="tangent-plot"
                )
                yield self.tangent_view
                self.fit_view = FitView(
                    self.data, trainer.theory, ascii_only=ascii_only, id="fit-plot"
                )
                yield self.fit_view
                self.graph_view = GraphView(self.data, id="graph")
                yield self.graph_view
        self.message = MessageBar(id="message")
        yield self.message
        self.prompt_bar = PromptBar(id="prompt")
        yield self.prompt_bar
        self.too_small = Static("", id="too-small")
        yield self.too_small
        yield Footer()

    def on_mount(self) -> None:
        self._timer = self.set_interval(1 / self.options.fps, self._tick, pause=True)
        self.screen.set_class(self.options.ascii, "-ascii")
        self.prompt_input = self.query_one("#prompt-input", Input)
        self.prompt_error = self.query_one("#prompt-error", Label)
        if self.initial_view is not None:
            self.apply_view(self.initial_view)
        self._publish()
        self._show_message()
        self.check_size(self.screen)

    def get_default_screen(self) -> Screen:
        return MainScreen(id="_default")

    def check_size(self, screen: Screen) -> None:
        """Below MIN_SIZE, hide the panels and ask for a larger terminal."""
        width, height = screen.size
        small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        screen.set_class(small, "-too-small")
        if small:
            self.too_small.update(
                f"lrtui needs at least {MIN_SIZE[0]}x{MIN_SIZE[1]}; this terminal is "
                f"{width}x{height}: please make it larger"
            )

    # -- publishing state ----------------------------------------------------------------

    @property
    def plots(self):
        """The views drawn at the plot rate; the graph view takes the place of two when on."""
        if self.screen_stack[0].has_class("-graph"):  # the main screen, even under help
            return (self.loss_view, self.graph_view)
        return (self.loss_view, self.tangent_view, self.fit_view)

    def _publish(self, plots: bool = True) -> None:
        """Show the trainer's state: the numbers always, the plots if asked."""
        self.state = self.trainer.state
        if plots:
            for view in self.plots:
                view.state = self.state

    def _publish_soon(self) -> None:
        """After a key: the numbers in this frame, the plots in the next one, so that the
        key's effect is on screen without waiting for three plots to be drawn."""
        self._publish(plots=False)
        self.call_after_refresh(self._publish)

    def watch_state(self) -> None:
        if self.is_mounted:
            self._show_message()
            self._refresh_bindings_if_changed()

    def watch_playing(self) -> None:
        if self.is_mounted:
            self._show_message()
            self._refresh_bindings_if_changed()

    _GREYABLE = ("step", "back", "reset", "toggle_play")

    def _refresh_bindings_if_changed(self) -> None:
        """Grey out or restore keys in the footer, but only when one of them changed: the
        footer is rebuilt on every refresh_bindings(), which repaints the whole screen."""
        enabled = tuple(self.check_action(action, ()) for action in self._GREYABLE)
        if enabled != getattr(self, "_enabled", None):
            self._enabled = enabled
            self.refresh_bindings()

    def _show_message(self) -> None:
        trainer = self.trainer
        text, tone = status_message(
            self.state, trainer.theory, trainer.divergence_bound, self.playing, self.speed
        )
        self.message.show(text or self.HINT, tone)

    # -- playing -------------------------------------------------------------------------

    def _tick(self) -> None:
        if not self.playing:
            return
        self._advance(self.speed)
        self._frame += 1
        stop = not self.trainer.can_step or self.trainer.state.status == CONVERGED
        if stop:
            self._set_playing(False)
        else:
            # One plot every plot_every frames, in turn: never three plots in one frame.
            self._publish(plots=False)
            if self._frame % self.options.plot_every == 0:
                view = self.plots[self._frame // self.options.plot_every % len(self.plots)]
                view.state = self.state

    def _advance(self, steps: int) -> None:
        """Run up to `steps` epochs, but stop within about one frame's time: the autograd
        and torch gradient sources cost O(N) a step, so a large run must not freeze the
        app (the analytic and numeric sources are O(1) and always run them all)."""
        trainer = self.trainer
        if trainer.grad in ("analytic", "numeric"):
            trainer.run(steps)
            return
        deadline = time.perf_counter() + FRAME_BUDGET / self.options.fps
        done = 0
        while done < steps and time.perf_counter() < deadline and trainer.can_step:
            before = trainer.state.epoch
            trainer.run(1)
            done += 1
            if trainer.state.epoch == before or trainer.state.status == CONVERGED:
                break

    def _set_playing(self, on: bool) -> None:
        if on == self.playing:
            return
        self.playing = on
        if on:
            self._timer.resume()
        else:
            self._timer.pause()
            self._publish()  # the plots catch up with the last frames

    # -- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        trainer = self.trainer
        if not isinstance(self.screen, MainScreen) and action not in ("quit", "help"):
            return False  # the help screen or the palette is in front
        if action == "step":
            return True if trainer.can_step else None
        if action == "back":
            return True if trainer.can_go_back else None
        if action == "reset":
            return True if self.state.epoch > 0 or self.state.status == DIVERGED else None
        if action == "toggle_play":
            can_play = trainer.can_step and self.state.status != CONVERGED
            return True if (self.playing or can_play) else None
        return True

    def action_toggle_play(self) -> None:
        self._set_playing(not self.playing)

    def action_step(self) -> None:
        self._set_playing(False)
        self.trainer.step()
        self._publish_soon()

    def action_back(self) -> None:
        self._set_playing(False)
        self.trainer.back()
        self._publish_soon()

    def action_reset(self) -> None:
        self._set_playing(False)
        self.trainer.reset()
        self._publish_soon()

    def action_lr_up(self) -> None:
        self._change_lr(ladder_step(self.state.lr, +1))

    def action_lr_down(self) -> None:
        self._change_lr(ladder_step(self.state.lr, -1))

    def _change_lr(self, lr: float) -> None:
        was_diverged = self.state.status == DIVERGED
        self.trainer.set_lr(lr)
        if was_diverged:
            self._set_playing(False)
        self._publish_soon()

    def action_faster(self) -> None:
        self.speed = min(MAX_SPEED, int(ladder_step(self.speed, +1)))
        self._show_message()

    def action_slower(self) -> None:
        if self.speed > 1:
            self.speed = max(1, int(ladder_step(self.speed, -1)))
        self._show_message()

    def action_move(self, which: str, direction: int) -> None:
        """Move w or b by a view-sized step and restart the run from there."""
        state, trainer = self.state, self.trainer
        w, b = (state.w, state.b) if state.finite else trainer.start
        if which == "w":
            window = w_window(
                trainer.theory, trainer.start[0], state, self.tangent_view.show_samples
            )
            w += direction * nice_step(window[1] - window[0])
        else:
            ylo, yhi = fit_scene(self._fit_sample, trainer.theory, state).ylim
            b += direction * nice_step(yhi - ylo)
        self._restart_from(w, b)

    def _restart_from(self, w: float, b: float) -> None:
        self._set_playing(False)
        self.trainer.set_start(w, b)
        self.tangent_view.start_w = self.trainer.start[0]
        self._publish_soon()

    def action_toggle_log(self) -> None:
        self.loss_view.log_scale = not self.loss_view.log_scale

    def action_toggle_samples(self) -> None:
        self.tangent_view.show_samples = not self.tangent_view.show_samples

    def action_toggle_graph(self) -> None:
        """Swap the tangent and fit plots for the computation graph of the loss, and back."""
        self.screen.toggle_class("-graph")
        self._publish()

    def action_toggle_formula(self) -> None:
        """Swap the gradients panel for the formulas with the current numbers, and back."""
        self.screen.toggle_class("-formula")

    def action_zoom(self) -> None:
        screen = self.screen
        if screen.maximized is not None:
            screen.minimize()
            return
        focused = self.focused
        panels = (
            self.parameters,
            self.gradients,
            self.formula_view,
            self.loss_view,
            self.tangent_view,
            self.fit_view,
            self.graph_view,
        )
        target = focused if focused in panels else self.loss_view
        screen.maximize(target, container=False)

    def action_help(self) -> None:
        # Imported here: the help's Markdown widget costs ~40 ms of start-up otherwise.
        from lrtui.tui.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # -- the command palette -------------------------------------------------------------

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Set learning rate", "lr <value> at the prompt", lambda: self.action_prompt("lr ")
        )
        yield SystemCommand(
            "Set starting w", "restart from a typed w", lambda: self.action_prompt("w ")
        )
        yield SystemCommand(
            "Set starting b", "restart from a typed b", lambda: self.action_prompt("b ")
        )
        yield SystemCommand(
            "Set central-difference step h", "h <value>", lambda: self.action_prompt("h ")
        )
        yield SystemCommand(
            "Set epoch budget", "epochs <count>", lambda: self.action_prompt("epochs ")
        )
        yield SystemCommand("Play / pause", "space", self.action_toggle_play)
        yield SystemCommand("Step", "one epoch (n)", self.action_step)
        yield SystemCommand("Reset", "back to the start (r)", self.action_reset)
        yield SystemCommand("Toggle log scale", "loss plot (l)", self.action_toggle_log)
        yield SystemCommand(
            "Toggle sample tangents", "tangent view (t)", self.action_toggle_samples
        )
        yield SystemCommand("Keys", "every key (?)", self.action_help)


def make_app(data: Dataset, config: TrainConfig) -> LrtuiApp:
    """The app factory the tests and the screenshot script share (the CLI builds the
    Trainer itself, to check the input before the terminal is taken over)."""
    return LrtuiApp(Trainer(data, config))
