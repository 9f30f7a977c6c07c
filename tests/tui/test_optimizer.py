"""The update rules in the app: `o` cycles torch.optim's rules (the run restarts), the prompt
sets their hyper-parameters by torch's names, the gradients panel shows the rule's buffers
next to the step they produce, and `←` steps back through them."""

from __future__ import annotations

import pytest

from lrtui.engine.rules import make_rule
from lrtui.present.text import num

from .conftest import seed_app, value_text


async def test_o_cycles_the_rules_and_the_panel_shows_their_buffers():
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        seen = []
        for _ in range(5):
            await pilot.press("o")
            await pilot.pause()
            seen.append(app.trainer.rule.h.optimizer)
            assert app.trainer.state.epoch == 0
        assert seen == ["adam", "adamw", "rmsprop", "adagrad", "sgd"]
        await pilot.press("o", "n", "n", "n")  # adam, three steps
        await pilot.pause()
        s = app.trainer.state
        assert s.optimizer == "adam" and s.epoch == 3
        assert value_text(app, "gradients", "buffer0") == "m (avg)"
        assert value_text(app, "gradients", "buffer1") == "v (avg sq)"
        assert float(value_text(app, "gradients", "buffer_w0")) == pytest.approx(s.buffers[0],
                                                                                 rel=1e-4)
        assert not app.query_one("#gradients-buffer2").display  # no amsgrad: no third row
        assert app.gradients.border_subtitle.startswith("adam · ")
        # the step shown is the one the next update makes
        rule = make_rule(app.trainer.rule.h)
        w, _, _ = rule.update(s.w, s.b, s.dw, s.db, s.buffers, s.epoch + 1, s.lr)
        shown = value_text(app, "gradients", "next_w")
        assert shown.startswith("Δw ") and float(shown[3:]) == pytest.approx(w - s.w, rel=1e-4)
        before = s.buffers
        await pilot.press("n", "left")
        await pilot.pause()
        assert app.trainer.state.buffers == before


async def test_the_prompt_sets_hyper_parameters_and_refuses_what_the_rule_does_not_take():
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("colon", *"momentum 0.9", "enter")
        await pilot.pause()
        assert app.trainer.rule.h.mu == 0.9 and app.trainer.rule.h.optimizer == "sgd"
        assert value_text(app, "gradients", "buffer0") == "momentum"
        assert value_text(app, "parameters", "critical") == "0.76"  # (2 + 1.8)/5
        await pilot.press("colon", *"optimizer adam", "enter")
        await pilot.pause()
        await pilot.press("colon", *"momentum 0.5", "enter")
        await pilot.pause()
        assert "momentum does not apply to adam" in str(app.prompt_bar.error.render())
        assert app.trainer.rule.h.optimizer == "adam"
        assert value_text(app, "parameters", "critical") == "none"


async def test_mini_batches_from_the_prompt_show_the_noise_floor_and_the_batch_loss():
    app = seed_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("colon", *"batch_size 2", "enter")
        await pilot.pause()
        assert app.trainer.plan is not None and app.trainer.state.batches == 2
        await pilot.press(*["n"] * 6)
        await pilot.pause()
        s = app.trainer.state
        assert s.epoch == 6 and s.passes == 3 and s.batch_loss is not None
        assert value_text(app, "parameters", "epoch") == "3.0 / 500"
        floor = app.trainer.plan.noise_floor(app.trainer.stats, s.lr)
        assert app.parameters.border_subtitle.startswith(f"floor: theory {num(floor, 2)} · now")
        assert app.loss_view.border_subtitle.startswith("grey: batch")


async def test_on_mini_batches_the_step_shown_is_the_next_batch_s():
    app = seed_app(optimizer="adam", lr=0.3, batch_size=2, w0=3.0, b0=1.0)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(5):
            await pilot.press("n")
            await pilot.pause()
            s = app.trainer.state
            dw, db = app.frame.next_step
            await pilot.press("n")
            await pilot.pause()
            assert app.trainer.state.w == s.w + dw and app.trainer.state.b == s.b + db
