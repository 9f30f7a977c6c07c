"""The notes' example end to end: a first check that the engine trains at all."""

from lrtui.engine import TrainConfig, Trainer, preset


def test_seed_run_approaches_the_true_line():
    p = preset("seed")
    trainer = Trainer(p.data, TrainConfig.from_preset(p))
    state = trainer.run()
    assert state.epoch == 500
    assert abs(state.w - 1.0) < 1e-9
    assert abs(state.b) < 1e-9
