"""Tour files take the update rules and mini-batches by the settings' names, and a caption's
{next_w} is the rule's next w."""

from __future__ import annotations

import pytest

from lrtui.engine import TrainConfig, Trainer, preset
from lrtui.engine.rules import make_rule
from lrtui.present.text import num
from lrtui.tour import caption_text, check_tour, load_tour, replay

TOUR = """
[[stage]]
caption = "Adam: the next w is {next_w}"
set = { optimizer = "adam", beta1 = 0.8, lr = 0.3 }
run = 20

[[stage]]
caption = "heavy ball on mini-batches"
set = { optimizer = "sgd", momentum = 0.9, batch_size = 2, shuffle = "once" }
run = 10
"""


def test_a_tour_sets_rules_and_batches(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(TOUR)
    tour = load_tour(str(path))
    p = preset("seed")
    trainer = Trainer(p.data, TrainConfig.from_preset(p))
    base = trainer.current_config()
    check_tour(tour, Trainer(p.data, base))
    replay(trainer, base, tour, 0)
    assert trainer.rule.h.optimizer == "adam" and trainer.rule.h.beta1 == 0.8
    trainer.run(20)
    s = trainer.state
    w, _, _ = make_rule(trainer.rule.h).update(s.w, s.b, s.dw, s.db, s.buffers, s.epoch + 1,
                                               s.lr)
    assert caption_text(tour.stages[0], trainer) == f"Adam: the next w is {num(w)}"
    replay(trainer, base, tour, 1)
    assert trainer.plan is not None and trainer.plan.shuffle == "once"
    assert trainer.rule.h.mu == 0.9


def test_a_bad_rule_in_a_tour_names_the_stage(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(TOUR.replace("beta1 = 0.8", "momentum = 0.5"))
    tour = load_tour(str(path))
    p = preset("seed")
    with pytest.raises(Exception, match="stage 1.*momentum does not apply to adam"):
        check_tour(tour, Trainer(p.data, TrainConfig.from_preset(p)))
