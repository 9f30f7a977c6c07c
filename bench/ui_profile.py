"""Experiment: why lrtui misses its UI targets (see the notes in bench/RESULTS.md).

Run by hand: /work/venv/bin/python bench/ui_profile.py [variant ...]   (~10 s a variant)
             /work/venv/bin/python bench/ui_profile.py --startup       (~35 s)

Runs the real app in the same pty harness as bench/ui.py, but through a wrapper that times
the app's work from the inside (the play tick, each plot's render, Textual's screen update
and layout, the Footer's recompose, the write of each frame) and, per variant, switches
one suspected cause off by monkeypatching a copy of the app in the child process only
(lrtui/tui/ is not edited):

  baseline       the app as it is
  baseline+trace the app as it is, counting whole-screen refreshes and refresh_bindings()
                 calls by where in lrtui they come from (printed below the table)
  app-norepaint  LrtuiApp's reactives (state, plot_state, playing, speed) with repaint=False:
                 as declared (repaint=True, the default) every assignment calls App.refresh(),
                 which repaints the whole screen
  nobindings     LrtuiApp.state without bindings=True (no Footer recompose on every tick;
                 a no-op since 6fe061a, which rebuilds the footer only when a key changes)
  fix            app-norepaint + nobindings
  fix+panels     fix, and the number panels' state/playing/speed reactives with repaint=False
                 too (a new state repaints only the Values whose text changed)
  fix+panels+plot15   ... plots redrawn every 15th tick (2/s) instead of every 5th (6/s)
  fix+panels+noplots  ... plots never redrawn while playing (what the plots cost)
  fix+panels+16c      ... with TEXTUAL_COLOR_SYSTEM=standard
  fix+panels+plot10   ... plots redrawn every 10th tick (3/s)
  fix+panels+stagger5 ... one plot redrawn every 5th tick, in turn (each plot 2/s, never
                      three plot renders in one frame)
  fix+panels+split    ... `n` publishes the numbers at once and the plots after that frame
  proposal            fix+panels+stagger5+split
  proposal+16c        ... with TEXTUAL_COLOR_SYSTEM=standard
  low-bandwidth       `lrtui --low-bandwidth` as it is (12 fps, plots 1/s, 16 colours)
  low-bandwidth+fix+panels  the same with the repaint fixes

Per variant: ticks/s (the play timer's callback), frames/s and bytes/s at the terminal,
milliseconds of main-thread work per second by kind, and the `n` keypress latency.

--startup times the phases of startup from inside the process (imports, App.run, first
frame written) next to the complete frame seen at the terminal, for lrtui as it is, with the
help screen's import stubbed out (what importing it only on `?` saves), with a one-line Static
key bar in place of Textual's Footer, and for bench/minimal_app.py.
"""

from __future__ import annotations

import atexit
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent

VARIANTS = {
    "baseline": "",
    "baseline+trace": "trace",
    "app-norepaint": "appnorepaint",
    "nobindings": "nobindings",
    "fix": "appnorepaint,nobindings",
    "fix+panels": "appnorepaint,nobindings,norepaint",
    "fix+panels+plot15": "appnorepaint,nobindings,norepaint,plot_every=15",
    "fix+panels+noplots": "appnorepaint,nobindings,norepaint,plot_every=1000000000",
    "fix+panels+16c": "appnorepaint,nobindings,norepaint,16c",
    "fix+panels+plot10": "appnorepaint,nobindings,norepaint,plot_every=10",
    "fix+panels+stagger5": "appnorepaint,nobindings,norepaint,stagger=5",
    "fix+panels+split": "appnorepaint,nobindings,norepaint,split",
    "proposal": "appnorepaint,nobindings,norepaint,stagger=5,split",
    "proposal+16c": "appnorepaint,nobindings,norepaint,stagger=5,split,16c",
    "low-bandwidth": "lowbw,16c",
    "low-bandwidth+fix+panels": "lowbw,16c,appnorepaint,nobindings,norepaint",
}


# -- the child: the app, timed from the inside ----------------------------------------------


def child(argv: list[str], minimal: bool = False) -> int:
    now = time.perf_counter
    events: list[tuple] = [("python up", now(), 0.0, "")]
    log_path = os.environ["PROBE_LOG"]
    exp = {kv.split("=")[0]: (kv.split("=") + [""])[1] for kv in os.environ.get("EXP", "").split(",") if kv}

    def dump():
        with open(log_path, "w") as f:
            for e in events:
                f.write(json.dumps(e) + "\n")

    atexit.register(dump)

    def imported(label, names):
        t = now()
        for name in names:
            __import__(name)
        events.append(("import", t, now() - t, label))

    if not minimal:
        imported("numpy", ["numpy"])
    imported("textual", ["textual.app", "textual.widgets"])
    from textual.app import App
    from textual.screen import Screen
    from textual.widgets import Footer

    original_display = App._display

    def display(self, *args, **kwargs):
        t = now()
        try:
            return original_display(self, *args, **kwargs)
        finally:
            events.append(("display", t, now() - t, ""))

    App._display = display
    if minimal:
        sys.path.insert(0, str(HERE))
        from minimal_app import MinimalApp

        events.append(("run", now(), 0.0, ""))
        MinimalApp().run()
        return 0
    imported("plotext", ["plotext", "textual_plotext"])
    if "lazyhelp" in exp:  # what importing the help screen (Markdown, pygments) only on `?` would save
        import types

        from textual.screen import ModalScreen

        stub = types.ModuleType("lrtui.tui.help")
        stub.HelpScreen = type("HelpScreen", (ModalScreen,), {})
        sys.modules["lrtui.tui.help"] = stub
    imported("lrtui", ["lrtui.cli", "lrtui.tui.app"])

    import lrtui.tui.app as app_mod
    from lrtui.tui.views import numbers, plots

    if "keybar" in exp:  # a one-line Static with the keys instead of Textual's Footer
        from textual.widgets import Static

        class KeyBar(Static):
            DEFAULT_CSS = "KeyBar { dock: bottom; height: 1; background: $footer-background; }"

            def __init__(self, *args, **kwargs) -> None:
                keys = [b for b in app_mod.LrtuiApp.BINDINGS if b.show]
                super().__init__("  ".join(f"[b]{b.key_display or b.key}[/b] {b.description}" for b in keys))

        app_mod.Footer = KeyBar

    def timed(cls, name, kind, label=None):
        original = getattr(cls, name)

        def wrapper(self, *args, **kwargs):
            t = now()
            try:
                return original(self, *args, **kwargs)
            finally:
                events.append((kind, t, now() - t, label(self) if label else ""))

        setattr(cls, name, wrapper)

    timed(app_mod.LrtuiApp, "_tick", "tick")
    timed(plots.StatePlot, "render", "plot render", lambda w: w.id)
    timed(numbers.Value, "render", "value render")
    timed(Screen, "_on_timer_update", "screen update")
    timed(Screen, "_refresh_layout", "layout")
    timed(app_mod.LrtuiApp, "action_step", "key n")

    original_recompose = Footer.recompose

    async def recompose(self):
        t = now()
        try:
            return await original_recompose(self)
        finally:
            events.append(("footer recompose", t, now() - t, ""))

    Footer.recompose = recompose

    if "trace" in exp:  # who asks for a whole-screen repaint or a Footer rebuild, and how often
        import traceback

        from textual.widget import Widget

        def origin() -> str:
            frames = [f for f in traceback.extract_stack()[:-2] if "/lrtui/" in f.filename]
            return " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(frames[-3:]))

        original_refresh = Widget.refresh

        def refresh(self, *regions, repaint=True, layout=False, recompose=False):
            if isinstance(self, Screen) and not regions:
                events.append(("whole-screen refresh", now(), 0.0, origin()))
            return original_refresh(self, *regions, repaint=repaint, layout=layout, recompose=recompose)

        Widget.refresh = refresh
        original_bindings = Screen.refresh_bindings

        def refresh_bindings(self):
            events.append(("refresh_bindings (Footer rebuild)", now(), 0.0, origin()))
            return original_bindings(self)

        Screen.refresh_bindings = refresh_bindings
    if "appnorepaint" in exp:
        for n in ("state", "plot_state", "playing", "speed"):
            getattr(app_mod.LrtuiApp, n)._repaint = False
    if "nobindings" in exp:
        app_mod.LrtuiApp.state._bindings = False
    if "norepaint" in exp:
        for cls, names in ((numbers.NumberPanel, ("state",)), (numbers.ParametersView, ("playing", "speed"))):
            for n in names:
                getattr(cls, n)._repaint = False
    if "plot_every" in exp:
        every = int(exp["plot_every"])
        try:  # since 91bd7c3 the period comes from AppOptions (--fps, --low-bandwidth)
            from lrtui.display import AppOptions

            AppOptions.plot_every = property(lambda self: every)
        except ImportError:
            app_mod.PLOT_EVERY = every
    if "stagger" in exp:
        every = int(exp["stagger"])
        original_tick = app_mod.LrtuiApp._tick

        def staggered_tick(self) -> None:
            if not self.playing:
                return
            self.trainer.run(self.speed)
            self._frame += 1
            stop = not self.trainer.can_step or self.trainer.state.status == app_mod.CONVERGED
            if stop:
                self._publish(plots=True)
                self.playing = False
                return
            self._publish(plots=False)
            if self._frame % every == 0:
                views = (self.loss_view, self.tangent_view, self.fit_view)
                views[(self._frame // every) % 3].state = self.state

        staggered_tick.__wrapped__ = original_tick
        app_mod.LrtuiApp._tick = staggered_tick
        timed(app_mod.LrtuiApp, "_tick", "tick")
    if "split" in exp:

        def split_step(self) -> None:
            self._set_playing(False)
            self.trainer.step()
            self._publish(plots=False)
            self.call_after_refresh(self._publish)

        app_mod.LrtuiApp.action_step = split_step
        timed(app_mod.LrtuiApp, "action_step", "key n")

    from lrtui.cli import main

    if "lowbw" in exp:  # (16c, set by the driver, gives the colours: textual is imported by now)
        argv = list(argv) + ["--low-bandwidth"]
    events.append(("run", now(), 0.0, ""))
    return main(argv)


# -- the driver -----------------------------------------------------------------------------


def run_variant(name: str, spec: str, owners=None) -> dict:
    import ui

    log = Path(f"/tmp/lrtui_probe_{os.getpid()}_{name}.jsonl")
    env = {"PROBE_LOG": str(log), "EXP": spec}
    if "16c" in spec:
        env["TEXTUAL_COLOR_SYSTEM"] = "standard"
    s = ui.Session([ui.PY, str(Path(__file__).resolve()), "--child"], env, need=b"quit")
    s.wait_ready()
    s.send(b" ")
    ui.measure(s, "play", 4.0)
    s.send(b" ")
    time.sleep(0.5)
    keys = []
    for _ in range(10):
        keys.append(s.send(b"n"))
        time.sleep(0.2)
    s.close()
    if s.exit_status:
        print(f"{name}: the app exited with status {s.exit_status}", file=sys.stderr)
    rep = ui.replay(s.chunks, owners)
    w = ui.window(s, rep, name, "play")
    a, b = s.marks["play:start"][0], s.marks["play:end"][0]
    events = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    log.unlink(missing_ok=True)
    per_kind = defaultdict(float)
    counts = defaultdict(int)
    origins = defaultdict(int)
    plot_ms = defaultdict(list)
    ticks = []
    for kind, t, dur, label in events:
        if a <= t < b:
            per_kind[kind] += dur
            counts[kind] += 1
            if kind == "plot render":
                plot_ms[label].append(dur * 1000)
            if kind == "tick":
                ticks.append(t)
            if "refresh" in kind:
                origins[f"{kind} <- {label or '(textual)'}"] += 1
    gaps = [(y - x) * 1000 for x, y in zip(ticks, ticks[1:])]
    lat = []
    for t in keys:
        before = [f.epoch for f in rep.frames if f.t_end < t and f.epoch is not None]
        hit = next((f for f in rep.frames if f.t_end >= t and before and f.epoch == before[-1] + 1), None)
        if hit:
            lat.append((hit.t_end - t) * 1000)
    return dict(
        name=name, ticks_s=len(ticks) / (b - a), tick_gap_med=statistics.median(gaps) if gaps else 0,
        tick_gap_max=max(gaps) if gaps else 0, fps=w.fps, updates=w.updates_per_s,
        kib_s=w.bytes_per_s / 1024, bpf=w.bytes_per_frame, cpu=w.cpu * 100,
        work={k: 1000 * v / (b - a) for k, v in per_kind.items()},
        counts={k: v / (b - a) for k, v in counts.items()},
        plot_ms={k: statistics.median(v) for k, v in plot_ms.items()},
        lat_med=statistics.median(lat) if lat else float("nan"), lat_max=max(lat) if lat else float("nan"),
        panels={k: v / w.seconds / 1024 for k, v in w.charged(0).most_common(8)},
        origins={k: v / (b - a) for k, v in sorted(origins.items(), key=lambda kv: -kv[1])},
    )


STARTUP_VARIANTS = {
    "lrtui": "",
    "lazyhelp": "lazyhelp",
    "fix": "appnorepaint,nobindings",
    "fix+lazyhelp": "appnorepaint,nobindings,lazyhelp",
    "fix+lazyhelp+keybar": "appnorepaint,nobindings,lazyhelp,keybar",
    "minimal": None,
}


def startup(runs: int = 5) -> None:
    """Where lrtui's startup goes, next to the minimal app's, from inside the process."""
    import ui

    phases: dict[str, dict[str, list[float]]] = {name: defaultdict(list) for name in STARTUP_VARIANTS}
    for i in range(runs + 1):
        for name, spec in STARTUP_VARIANTS.items():
            log = Path(f"/tmp/lrtui_probe_{os.getpid()}_startup.jsonl")
            argv = [ui.PY, str(Path(__file__).resolve()), "--child" if spec is not None else "--child-minimal"]
            sample = {}
            s = ui.Session(argv, {"PROBE_LOG": str(log), "EXP": spec or ""},
                           need=(b"help" if "keybar" in spec else b"quit") if spec is not None else b"one Static")
            ready = s.wait_ready()
            s.close()
            rep = ui.replay(s.chunks, final=ui.settled_screen(s.chunks, ready), upto=ready)
            complete = next(f for f in rep.frames if f.complete)
            events = [json.loads(line) for line in log.read_text().splitlines()]
            log.unlink()
            ms = lambda t: (t - s.t_spawn) * 1000  # noqa: E731
            for kind, t, dur, label in events:
                if kind == "python up":
                    sample["spawn -> python running"] = ms(t)
                elif kind == "import":
                    sample[f"import {label}"] = dur * 1000
                elif kind == "run":
                    sample["-> App.run() called"] = ms(t)
            displays = [t + dur for kind, t, dur, _ in events if kind == "display"]
            sample["-> first frame written"] = ms(displays[0]) if displays else float("nan")
            sample["-> complete frame (at the terminal)"] = ms(complete.t_end)
            sample["frames until complete"] = sum(1 for f in rep.frames if f.t_end <= complete.t_end)
            sample["ratio to minimal (same round)"] = 0.0
            if i:  # the first round warms the caches
                for k, v in sample.items():
                    phases[name][k].append(v)
        if i:
            base = phases["minimal"]["-> complete frame (at the terminal)"][-1]
            for name in STARTUP_VARIANTS:
                phases[name]["ratio to minimal (same round)"][-1] = (
                    phases[name]["-> complete frame (at the terminal)"][-1] / base)
    keys = list(dict.fromkeys(k for name in STARTUP_VARIANTS for k in phases[name]))
    print(f"{'startup, median of ' + str(runs) + ' (ms)':<40}" + "".join(f"{n:>22}" for n in STARTUP_VARIANTS))
    for k in keys:
        cells = []
        for name in STARTUP_VARIANTS:
            xs = phases[name][k]
            cells.append(f"{statistics.median(xs):22.2f}" if xs and k.startswith("ratio") else
                         f"{statistics.median(xs):22.0f}" if xs else f"{'-':>22}")
        print(f"{k:<40}" + "".join(cells))


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        return child(sys.argv[2:])
    if sys.argv[1:2] == ["--child-minimal"]:
        return child([], minimal=True)
    if sys.argv[1:2] == ["--startup"]:
        sys.path.insert(0, str(HERE))
        startup()
        return 0
    sys.path.insert(0, str(HERE))
    import ui

    owners = ui.owner_grid([])
    names = sys.argv[1:] or list(VARIANTS)
    results = [run_variant(n, VARIANTS[n], owners) for n in names]
    print(f"{'variant':<20} {'ticks/s':>7} {'gap ms med/max':>15} {'fps':>5} {'upd/s':>5} {'KiB/s':>6} "
          f"{'B/frame':>8} {'CPU%':>5} {'n lat ms med/max':>17}")
    for r in results:
        print(f"{r['name']:<20} {r['ticks_s']:7.1f} {r['tick_gap_med']:7.1f}/{r['tick_gap_max']:<7.1f} {r['fps']:5.1f} "
              f"{r['updates']:5.1f} {r['kib_s']:6.1f} {r['bpf']:8,.0f} {r['cpu']:5.0f} "
              f"{r['lat_med']:8.1f}/{r['lat_max']:<8.1f}")
    print()
    print("main-thread work while playing, ms per second (calls per second):")
    for r in results:
        parts = ", ".join(f"{k} {v:.0f} ({r['counts'][k]:.1f}/s)" for k, v in sorted(r["work"].items(), key=lambda kv: -kv[1]))
        print(f"  {r['name']:<20} {parts}")
    for r in results:
        if r["origins"]:
            print()
            print(f"{r['name']}: where refreshes come from while playing (per second):")
            for k, v in r["origins"].items():
                print(f"  {v:5.1f}/s  {k}")
    print()
    print("median ms per plot render:")
    for r in results:
        print(f"  {r['name']:<20} " + ", ".join(f"{k} {v:.1f}" for k, v in r["plot_ms"].items()))
    print()
    print("KiB/s by panel while playing:")
    for r in results:
        print(f"  {r['name']:<20} " + ", ".join(f"{k} {v:.1f}" for k, v in r["panels"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
