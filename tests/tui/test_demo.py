"""`lrtui demo`: the built-in tour walked forwards and backwards through Pilot, each stage's
state checked against the engine driven by hand; the tour's own keys; the pace, --loop and
holding; and the app's keys inside a stage."""

from __future__ import annotations

from textual.geometry import Region

from lrtui.display import AppOptions
from lrtui.engine import TrainConfig, Trainer, preset
from lrtui.engine.gradients import installed
from lrtui.tour import load_tour, parse_tour
from lrtui.tui.app import DEFAULT_TOL
from lrtui.tui.demo import ENDED, RUNNING, WAITING, DemoApp

from .conftest import value_text

TOUR = load_tour()
# the framework stage's source: the first of these installed here (autograd needs nothing)
FRAMEWORK = next(s for s in ("torch", "jax", "tensorflow", "autograd")
                 if s == "autograd" or installed(s))
FAST = AppOptions(fps=120)


def demo_app(tour=TOUR, pace: float = 0, loop: bool = False) -> DemoApp:
    p = preset("seed")
    return DemoApp(Trainer(p.data, TrainConfig.from_preset(p)), tour, FAST, pace=pace, loop=loop)


def expected_stages() -> list[dict]:
    """What each built-in stage shows when its run is over, from the engine driven by hand
    (the order of the notes: data, guess, loss, curve, slope, gradient, step, training,
    divergence, the valley, autograd, a framework, recipe)."""
    p = preset("seed")
    t = Trainer(p.data, TrainConfig.from_preset(p, tol=DEFAULT_TOL))
    out = []

    def snap(caption: str, log=False, tangents=False, formulas=False, speed=1):
        out.append(dict(state=t.state, caption=caption, log=log, tangents=tangents,
                        formulas=formulas, speed=speed))

    t.set_start(1.0, 0.0)
    snap("4 data points; with w = 1 and b = 0")
    t.set_start(10.0, 0.0)
    snap("**w = 10, b = 0**")
    snap("**L = 202.5**")
    t.set_start(2.5, 0.0)
    snap("lowest at\nw* = 1. At w = 2.5 the loss is 5.625")
    snap("Here the slope\nis 7.5", tangents=True)
    snap("here dL/dw = 7.5", tangents=True, formulas=True)
    t.set_start(10.0, 0.0)
    t.step()  # the caption was filled in before the step
    snap("From w = 10, slope 45, lr = 0.01: one step\nchanges w by -0.45, to 9.55")
    t.run()
    snap("w slides to 1", log=True, speed=5)
    t.reset()
    t.set_lr(0.45)
    t.run()
    snap("lr = 0.45 is above the **critical rate 2/λmax = 0.4**", log=True)
    t.set_start(10.0, 3.0)
    t.set_lr(0.3)
    t.run()
    snap("steep (λ = 5) and flat (λ = 2)", log=True)
    t.set_start(10.0, 0.0)
    t.set_lr(0.01)
    t.set_grad("autograd")
    t.run()
    snap("lrtui's own autograd", log=True, speed=5)
    t.reset()
    t.set_grad(FRAMEWORK)
    t.run()
    snap(f"come from **{FRAMEWORK}**", log=True, speed=5)
    snap("**The recipe:**", log=True, speed=5)
    return out


EXPECTED = expected_stages()


def test_the_expected_runs_are_the_notes_story():
    states = [e["state"] for e in EXPECTED]
    assert states[0].loss == 0 and states[1].loss == 202.5 and states[3].loss == 5.625
    assert (states[6].epoch, states[6].w) == (1, 9.55)
    assert states[7].status == "converged" and abs(states[7].w - 1) < 1e-8
    assert states[8].status == "diverged" and states[8].lr > 0.4
    assert states[9].status == "converged" and states[9].lr == 0.3
    assert states[10].grad == "autograd" and states[10].status == "converged"
    assert states[11].grad == FRAMEWORK and states[11].status == "converged"
    assert abs(states[11].w - states[10].w) < 1e-12  # the same run, from another source


def caption_shown(app: DemoApp) -> str:
    """The caption panel's text as drawn (one line, spaces collapsed)."""
    caption = app.caption_panel.caption
    lines = caption.render_lines(Region(0, 0, caption.size.width, caption.size.height))
    return " ".join("".join(strip.text for strip in lines).split())


async def keys(pilot, *names: str) -> None:
    """Press keys without waiting for the app to be idle in between (pilot.press waits
    after each key until a playing run is over), then wait for it."""
    for name in names:
        pilot.app.simulate_key(name)
    await pilot.pause()


async def wait_run_over(pilot, app: DemoApp, limit: float = 20.0) -> None:
    for _ in range(int(limit / 0.02)):
        if app.phase != RUNNING:
            return
        await pilot.pause(0.02)
    raise AssertionError(f"stage {app.index + 1}'s run did not end")


def check_stage(app: DemoApp, k: int) -> None:
    e = EXPECTED[k]
    assert app.index == k
    assert app.trainer.state == e["state"], f"stage {k + 1}"
    assert app.state == e["state"]  # what the views are given
    assert e["caption"] in app.caption_panel.source, app.caption_panel.source
    shown = caption_shown(app)  # what the panel draws: this stage's caption, reflowed
    words = " ".join(e["caption"].replace("**", "").split())
    assert words in shown, (words, shown)
    assert f"{k + 1}/{len(TOUR.stages)}: {TOUR.stages[k].title}" in app.caption_panel.border_title
    assert app.view.log == e["log"]
    assert app.view.tangents == e["tangents"]
    assert app.screen.has_class("-formula") == e["formulas"]
    assert app.view.speed == e["speed"]
    assert app.frame.start[0] == app.trainer.start[0]


async def test_walk_the_whole_tour_forwards_then_backwards():
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        last = len(TOUR.stages) - 1
        for k in range(len(TOUR.stages)):
            if k:
                await pilot.press("n" if k % 2 else "right")
            await wait_run_over(pilot, app)  # the runs play frame by frame
            await pilot.pause()
            check_stage(app, k)
            assert app.phase == (ENDED if k == last else WAITING)
            assert value_text(app, "parameters", "w") != ""
        assert "the end of the tour" in app.caption_panel.border_subtitle
        assert app.check_action("next_stage", ()) is None  # no --loop: nowhere to go
        for k in range(last - 1, -1, -1):
            # the run finished at once with `end`: the same end state as playing it
            await keys(pilot, "p" if k % 2 else "left", "end")
            check_stage(app, k)
        assert app.check_action("previous_stage", ()) is None


async def test_a_stage_looks_the_same_however_you_got_there():
    app = demo_app()
    async with app.run_test(size=(100, 30)) as pilot:
        # Jump in the middle of runs, try keys, and come back: stage 9 (divergence) and
        # stage 8 (training) end where they always end.
        await keys(pilot, *["n", "end"] * 6)
        app.simulate_key("n")
        await pilot.pause(0.15)
        assert app.index == 7 and app.playing  # stage 8 is playing
        app.simulate_key("plus")  # the presenter's own keys, mid-run
        app.simulate_key("t")
        await pilot.pause(0.05)
        assert app.held and not app.playing and app.trainer.state.lr == 0.02
        await keys(pilot, "n", "end")
        check_stage(app, 8)
        await keys(pilot, "p", "p", "n", "end")
        check_stage(app, 7)
        await keys(pilot, "r", "w", "l", "n", "p", "end")
        check_stage(app, 7)


async def test_space_holds_and_resumes_a_running_stage():
    app = demo_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await keys(pilot, *["n", "end"] * 6)
        app.simulate_key("n")
        await pilot.pause(0.15)
        assert app.phase == RUNNING and app.playing
        app.simulate_key("space")
        await pilot.pause(0.05)
        held_at = app.trainer.state.epoch
        assert 0 < held_at < EXPECTED[7]["state"].epoch
        await pilot.pause(0.3)
        assert app.held and not app.playing and app.trainer.state.epoch == held_at
        assert "held" in app.caption_panel.border_subtitle
        app.simulate_key("space")
        await pilot.pause(0.05)
        assert not app.held and app.playing
        await wait_run_over(pilot, app)
        check_stage(app, 7)


def small_tour(n: int = 3):
    return parse_tour({"stage": [
        # 5 steps per frame but a run of 2: the run stops at 2 steps, not at a frame's end
        {"title": f"s{i}", "caption": f"stage {i}, w = {{w}}", "run": 2, "set": {"speed": 5}}
        for i in range(n)
    ]}, "test tour")


async def test_pace_moves_on_by_itself_and_loop_starts_again():
    app = demo_app(small_tour(2), pace=0.3, loop=True)
    async with app.run_test(size=(100, 30)) as pilot:
        seen = []
        for _ in range(150):
            await pilot.pause(0.02)
            if not seen or seen[-1] != app.index:
                seen.append(app.index)
            if len(seen) >= 3:
                break
        assert seen[:3] == [0, 1, 0]
        # Each stage starts clean: stage 1's two steps from w = 10, not four.
        assert app.trainer.state.epoch in (0, 1, 2)


async def test_without_loop_the_tour_ends_and_stays():
    app = demo_app(small_tour(2), pace=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(100):
            await pilot.pause(0.02)
            if app.phase == ENDED:
                break
        assert app.phase == ENDED and app.index == 1
        assert app.trainer.state.epoch == 4  # stage 2 goes on from stage 1: 2 + 2 steps
        await pilot.pause(0.4)
        assert app.index == 1


async def test_space_holds_the_countdown_and_an_app_key_holds_the_tour():
    app = demo_app(small_tour(4), pace=0.3)  # 4: two countdowns can pass in the 0.6 s waits
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_run_over(pilot, app)
        await pilot.press("space")
        await pilot.pause(0.6)
        assert app.index == 0 and app.held
        await pilot.press("space")
        await pilot.pause(0.6)
        assert app.index >= 1
        await wait_run_over(pilot, app)
        index = app.index
        await pilot.press("minus")  # an app key: the learning rate goes down, the tour waits
        await pilot.pause()
        assert app.trainer.state.lr == 0.005
        assert app.held and app.took_over
        assert "you have the controls" in app.caption_panel.border_subtitle
        await pilot.pause(0.6)
        assert app.index == index
        await pilot.press("n")  # going on cleans up: the stage's own settings again
        await pilot.pause()
        assert not app.held and app.trainer.state.lr == 0.01


async def test_the_footer_and_hint_name_the_tour_keys():
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        keys = {b.binding.action: key for key, b in app.active_bindings.items() if b.binding.show}
        assert {"tour_pause", "next_stage", "previous_stage", "quit"} <= set(keys)
        assert "step" not in keys and "toggle_play" not in keys
        await pilot.press("q")
        await pilot.pause()
    # q is a clean exit: 0. (An app that is still running when run_test() ends has no
    # return code, None, so this also fails if q did not quit.)
    assert app.return_code == 0


async def test_at_80x24_every_caption_fits_without_scrolling():
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for k in range(len(TOUR.stages)):
            if k:
                await keys(pilot, "n", "end")
            await pilot.pause(0.05)
            panel = app.caption_panel
            assert panel.region.height >= 5
            assert panel.max_scroll_y == 0, f"stage {k + 1}'s caption needs scrolling at 80x24"
            # the plots keep some room (least in stage 6, whose formulas panel is tall)
            assert all(view.region.height >= 5 for view in app.plots)
        await pilot.resize_terminal(60, 18)  # the smallest size: still running, caption shown
        await pilot.pause()
        assert app.caption_panel.region.height >= 4 and app.is_running


async def test_the_countdown_waits_while_the_help_is_open():
    app = demo_app(small_tour(3), pace=0.3)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_run_over(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause(0.7)
        assert app.index == 0  # the class is reading the keys
        await pilot.press("escape")
        await pilot.pause(0.7)
        assert app.index >= 1


async def test_the_autograd_stage_shows_the_computation_graph():
    k = next(i for i, stage in enumerate(TOUR.stages) if stage.settings.get("grad") == "autograd")
    app = demo_app()
    async with app.run_test(size=(100, 30)) as pilot:
        assert not app.screen_stack[0].has_class("-graph")
        await keys(pilot, *["n", "end"] * k)
        await wait_run_over(pilot, app)
        assert app.index == k
        assert app.trainer.state.grad == "autograd"
        assert app.screen_stack[0].has_class("-graph") and app.graph_view.display
        lines = app.graph_view.render_lines(app.graph_view.region.reset_offset)
        assert "chain rule" in "\n".join(line.text for line in lines)
        await keys(pilot, "p")  # the stage before: no graph
        assert not app.screen_stack[0].has_class("-graph")
