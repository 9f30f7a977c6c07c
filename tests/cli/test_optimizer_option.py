"""`lrtui train --optimizer ...`: the flags with torch.optim's names, the JSON's config and
buffer keys, theory's words in the report, and one-line refusals with exit code 2."""

from __future__ import annotations

import pytest

from lrtui.engine import TrainConfig, Trainer, preset

from .conftest import run_lrtui, strict_json


def doc_of(*args: str) -> dict:
    out = run_lrtui("train", "--json", *args)
    assert out.returncode == 0, out
    return strict_json(out.stdout)


def test_adam_in_the_json_matches_the_engine():
    doc = doc_of("--optimizer", "adam", "--betas", "0.8", "0.99", "--amsgrad", "--lr", "0.1",
                 "--epochs", "50")
    assert doc["config"]["optimizer"] == {"name": "adam", "betas": [0.8, 0.99], "eps": 1e-8,
                                          "weight_decay": 0.0, "amsgrad": True}
    p = preset("seed")
    t = Trainer(p.data, TrainConfig.from_preset(p, optimizer="adam", beta1=0.8, beta2=0.99,
                                                amsgrad=True, lr=0.1, epochs=50))
    t.run()
    last, row = doc["history"][-1], t.history.last()
    assert last["w"] == row[1] and last["exp_avg_w"] == row[8]
    assert last["max_exp_avg_sq_w"] == row[12]
    assert set(last) == {"epoch", "w", "b", "loss", "dw", "db", "dw_numeric", "db_numeric",
                         "exp_avg_w", "exp_avg_b", "exp_avg_sq_w", "exp_avg_sq_b",
                         "max_exp_avg_sq_w", "max_exp_avg_sq_b"}
    assert doc["result"]["critical_lr"] is None  # no closed form for adam
    assert doc["result"]["contraction_per_step"] is None


def test_heavy_ball_in_the_json_and_the_report():
    doc = doc_of("--momentum", "0.5", "--lr", "0.3", "--tol", "1e-8")
    assert doc["config"]["optimizer"]["momentum"] == 0.5
    result = doc["result"]
    assert result["critical_lr"] == pytest.approx(0.6)  # (2 + 2*0.5)/5
    assert result["status"] == "converged"
    assert abs(result["predicted_epochs"] - result["epochs_run"]) <= 1
    assert "momentum_buffer_w" in doc["history"][-1]
    text = " ".join(run_lrtui("train", "--momentum", "0.5", "--lr", "0.3", "--tol", "1e-8",
                              columns=200).stdout.split())
    assert "critical lr (2 + 2mu)/lambda_max = 0.6" in text
    assert "spectral radius of the momentum step" in text


@pytest.mark.parametrize(("args", "words"), [
    (("--optimizer", "adam", "--momentum", "0.9"), "--momentum does not apply to --optimizer"),
    (("--nesterov",), "Nesterov momentum requires a momentum and zero dampening"),
    (("--momentum", "1", "--nesterov"), "Nesterov momentum must be below 1"),
    (("--optimizer", "adam", "--betas", "0.9", "1"), "beta2 must be below 1"),
    (("--optimizer", "adam", "--eps", "-1"), "eps must be at least 0"),
    (("--optimizer", "rmsprop", "--alpha", "-0.5"), "alpha must be at least 0"),
    (("--optimizer", "nadam",), "optimizer must be one of sgd, adam, adamw, rmsprop, adagrad"),
])
def test_bad_hyper_parameters_are_one_line(args, words):
    out = run_lrtui("train", *args)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("lrtui: error:")
    assert words in out.stderr, out.stderr


def test_mini_batches_in_the_json():
    doc = doc_of("--synthetic", "100", "--noise", "0.3", "--lr", "0.05", "--batch-size", "30",
                 "--epochs", "3")
    config, history, result = doc["config"], doc["history"], doc["result"]
    assert (config["batch_size"], config["shuffle"], config["shuffle_seed"],
            config["drop_last"]) == (30, "epoch", 0, False)
    assert len(history) == 3 * 4 + 1  # 4 batches an epoch (30, 30, 30, 10)
    assert [h["step"] for h in history] == list(range(13))
    assert [h["epoch"] for h in history] == [s // 4 for s in range(13)]
    assert history[0]["batch_loss"] is None and history[1]["batch_loss"] > 0
    assert result["epochs_run"] == 3 and result["steps_run"] == 12
    floor = result["noise_floor"]
    assert floor["predicted"] > 0 and floor["measured"] > 0
    # a full-batch run has none of these keys
    plain = doc_of("--epochs", "2")
    assert "batch_size" not in plain["config"] and "step" not in plain["history"][1]


@pytest.mark.parametrize(("args", "words"), [
    (("--batch-size", "0"), "batch_size must be at least 1"),
    (("--batch-size", "5"), "the batch size must be between 1 and the 4 points"),
    (("--shuffle", "once"), "--shuffle orders mini-batches; it needs --batch-size B"),
    (("--batch-size", "2", "--grad", "numeric"), "works on full batches only"),
])
def test_bad_batches_are_one_line(args, words):
    out = run_lrtui("train", *args)
    assert out.returncode == 2 and out.stderr.count("\n") == 1, out
    assert words in out.stderr, out.stderr
