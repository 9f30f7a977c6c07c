"""`lrtui demo`: the app with a guided tour on top.

`DemoApp` is the app itself (`LrtuiApp`) plus a caption panel and the tour's keys: space
holds or resumes the tour, n/→ and p/← move between stages, `end` finishes a stage's run at
once. Every other key of the app works inside a stage; using one holds the tour (the
presenter has taken the controls) until space resumes it.

A stage is shown in three phases: "running" (its run plays at the stage's speed), "waiting"
(the run is over; after `pace` seconds the next stage begins) and "ended" (the last stage,
without --loop). Going to a stage replays the tour up to it from the run's starting
settings (`lrtui.tour.replay`), so a stage always looks the same however one got there.
"""

from __future__ import annotations

import time
from dataclasses import replace

from rich.markdown import Markdown as RichMarkdown
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from lrtui.display import AppOptions
from lrtui.engine.state import CONVERGED
from lrtui.engine.trainer import Trainer
from lrtui.present.view import ViewSettings
from lrtui.tour import Tour, caption_text, check_tour, replay, run_stage
from lrtui.tui import loading
from lrtui.tui.app import LrtuiApp

RUNNING, WAITING, ENDED = "running", "waiting", "ended"
DEFAULT_PACE = 8.0  # seconds from the end of a stage's run to the next stage


class CaptionPanel(VerticalScroll):
    """The stage's caption; the border says which stage it is and what the tour is doing.

    The caption is Rich's Markdown in one Static: it is drawn in the same frame as the
    border's new title (Textual's Markdown widget mounts a widget per block, later, and
    two quick stage changes could leave both captions mounted)."""

    source: str = ""  # the caption's Markdown, as shown

    def compose(self) -> ComposeResult:
        self.caption = Static("", id="caption")
        yield self.caption

    def show(self, title: str, markdown: str) -> None:
        self.source = markdown
        self.caption.update(RichMarkdown(markdown))
        self.border_title = title
        self.scroll_home(animate=False)


class DemoApp(LrtuiApp):
    CSS_PATH = ["app.tcss", "demo.tcss"]  # type: ignore[assignment]  # a list is allowed
    TITLE = "lrtui demo"
    HINT = "space hold/resume the tour · n/→ next stage · p/← previous · ? all keys · q quit"

    # The app's keys stay; the footer keeps room for the tour's own ones.
    BINDINGS = [
        replace(binding, show=False) for binding in LrtuiApp.BINDINGS
        if isinstance(binding, Binding) and binding.show
        and binding.action in ("reset", "lr(1)", "lr(-1)", "prompt")
    ] + [
        Binding("space", "tour_pause", "hold/resume", id="tour-pause"),
        Binding("n,right", "next_stage", "next", key_display="n/→", id="next-stage"),
        Binding("p,left", "previous_stage", "previous", key_display="p/←", id="previous-stage"),
        Binding("end", "finish_stage", "finish run", show=False),
    ]  # type: ignore[assignment]  # Binding is a BindingType

    def __init__(self, trainer: Trainer, tour: Tour, options: AppOptions | None = None,
                 pace: float = DEFAULT_PACE, loop: bool = False) -> None:
        super().__init__(trainer, options)
        self.tour = tour
        self.pace = pace
        self.loop = loop
        self.base = trainer.current_config()  # every stage is replayed from these settings
        # Play the whole tour once on a scratch trainer: a stage whose settings cannot apply
        # to this data is a DataError now, not a crash in front of a class.
        check_tour(tour, Trainer(trainer.data, self.base))
        self.index = 0
        self.phase = RUNNING
        self.held = False  # space (or a key of the app) holds the tour
        self.took_over = False  # held because an app key was used
        self._goal: int | None = None  # the epoch a "run = N" stage stops at
        self._deadline: float | None = None  # when the next stage begins

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self.caption_panel = CaptionPanel(id="tour")
        yield self.caption_panel
        yield from super().compose()

    def on_mount(self) -> None:
        # Runs before LrtuiApp.on_mount (handlers go down the MRO): start after it.
        self.call_next(self._start)

    def _start(self) -> None:
        loading.preload(self, (stage.settings.get("grad") for stage in self.tour.stages))
        self.set_interval(0.25, self._clock)
        self.goto(0)

    # -- moving between stages -----------------------------------------------------------

    @property
    def stage(self):
        return self.tour.stages[self.index]

    def goto(self, index: int) -> None:
        """Show stage `index` (0-based) from its clean start and begin its run."""
        self._set_playing(False)
        view = replay(self.trainer, self.base, self.tour, index, ViewSettings())
        self.index = index
        self.view = view
        self._publish()
        self.held = self.took_over = False
        self._deadline = None
        run = self.stage.run
        self._goal = self.trainer.state.epoch + run if isinstance(run, int) else None
        self.caption_panel.show(f"tour {index + 1}/{len(self.tour.stages)}: {self.stage.title}",
                                caption_text(self.stage, self.trainer))
        self.phase = RUNNING
        if self._can_run():
            self._set_playing(True)
        else:
            self._run_over()
        self._show_status()
        self.refresh_bindings()

    def _can_run(self) -> bool:
        state = self.trainer.state
        if not self.stage.plays or not self.trainer.can_step or state.status == CONVERGED:
            return False
        return self._goal is None or state.epoch < self._goal

    def _run_over(self) -> None:
        """The stage's run is over: wait `pace` seconds, then go on (or end)."""
        last = self.index == len(self.tour.stages) - 1
        if last and not self.loop:
            self.phase = ENDED
            self._deadline = None
        else:
            self.phase = WAITING
            self._deadline = time.monotonic() + self.pace if self.pace > 0 else None
        self._show_status()
        self.refresh_bindings()

    def _clock(self) -> None:
        """Four times a second: go on when the wait is over, and keep the countdown shown."""
        if self.screen is not self.screen_stack[0]:  # help or the palette is in front
            if self._deadline is not None:
                self._deadline += 0.25
            return
        if self.phase == WAITING and not self.held and self._deadline is not None:
            if time.monotonic() >= self._deadline:
                self.goto((self.index + 1) % len(self.tour.stages))
                return
        self._show_status()

    def _show_status(self) -> None:
        if self.held:
            text = ("held: you have the controls · space resumes the tour · n next stage"
                    if self.took_over else "held · space resumes the tour")
        elif self.phase == RUNNING:
            text = "running this stage · end skips to its end · space holds"
        elif self.phase == ENDED:
            text = "the end of the tour · p goes back · q quits"
        elif self._deadline is None:
            text = "n: next stage"
        else:
            left = max(0, int(self._deadline - time.monotonic() + 0.999))
            text = f"next stage in {left} s · space holds · n goes on now"
        if text != self.caption_panel.border_subtitle:
            self.caption_panel.border_subtitle = text

    # -- the tour's keys -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = super().check_action(action, parameters)
        if not allowed:
            return allowed
        if action == "previous_stage":
            return True if self.index > 0 else None
        if action == "next_stage":
            return True if (self.index < len(self.tour.stages) - 1 or self.loop) else None
        if action == "finish_stage":
            return True if self.phase == RUNNING else None
        return allowed

    def action_next_stage(self) -> None:
        self.goto((self.index + 1) % len(self.tour.stages))

    def action_previous_stage(self) -> None:
        if self.index > 0:
            self.goto(self.index - 1)

    def action_tour_pause(self) -> None:
        """Hold the tour (its run and its countdown), or resume it."""
        if not self.held:
            self.held = True
            self._set_playing(False)
        else:
            self.held = self.took_over = False
            if self.phase == RUNNING and self._can_run():
                self._set_playing(True)
            elif self.phase != ENDED:
                self._run_over()  # the wait starts again
        self._show_status()

    def action_finish_stage(self) -> None:
        """Finish the stage's run at once: the state it would reach by playing."""
        if self.phase != RUNNING:
            return
        self._set_playing(False)
        if self._goal is not None:
            self.trainer.run(max(0, self._goal - self.trainer.state.epoch))
        else:
            run_stage(self.trainer, self.stage)
        self._publish()
        self.held = self.took_over = False
        self._run_over()

    # -- playing a stage's run, and noticing the presenter's keys ------------------------

    def _tick(self) -> None:
        if not self.playing:
            return
        if self._goal is not None and self._goal - self.trainer.state.epoch <= self.view.speed:
            self.trainer.run(max(0, self._goal - self.trainer.state.epoch))
            self._set_playing(False)
        else:
            super()._tick()
        if not self.playing and self.phase == RUNNING and not self.held:
            self._run_over()

    def user_took_control(self) -> None:
        """An app key changed the run or paused it: hold the tour until space."""
        if self._lrtui_ready and not self.held and self.phase != ENDED:
            self.held = self.took_over = True
            self._set_playing(False)
            self._show_status()

    def check_size(self, screen: Screen) -> None:
        super().check_size(screen)
        width, height = screen.size
        screen.set_class(height < 30, "-short")

    def get_system_commands(self, screen: Screen):
        yield from super().get_system_commands(screen)
        yield SystemCommand("Next stage", "the tour's next stage (n)", self.action_next_stage)
        yield SystemCommand("Previous stage", "the tour's previous stage (p)",
                            self.action_previous_stage)
        yield SystemCommand("Hold / resume the tour", "space", self.action_tour_pause)


def run_demo(trainer: Trainer, tour: Tour, options: AppOptions, pace: float, loop: bool) -> int:
    app = DemoApp(trainer, tour, options, pace=pace, loop=loop)
    app.run()
    return app.return_code or 0
