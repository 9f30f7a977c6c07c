"""What the message bar says: what is happening, why, and which key to press."""

from __future__ import annotations

from lrtui.engine.theory import Theory
from lrtui.engine.trainer import CONVERGED, DIVERGED, TrainingState
from lrtui.tui.format import num


def status_message(
    state: TrainingState, theory: Theory, playing: bool, speed: int
) -> tuple[str, str]:
    """(text, tone) for the message bar; an empty text means "show the key hint"."""
    if state.status == DIVERGED:
        if state.lr <= theory.critical_lr:
            return (
                f"diverged at epoch {state.epoch:,}: the loss passed the divergence bound. "
                "Press r.",
                "error",
            )
        return (
            f"diverged at epoch {state.epoch:,}: the learning rate {num(state.lr)} is above "
            f"the critical rate 2/λmax = {num(theory.critical_lr, 4)} for this data, so each "
            f"step multiplies the error by {num(theory.contraction(state.lr), 3)}. "
            "Press - (lower rate) or r (reset).",
            "error",
        )
    if state.status == CONVERGED:
        return (
            f"converged at epoch {state.epoch:,}: gradient norm {num(state.grad_norm, 2)} "
            f"< tol {num(state.tol)}. r restarts; w/W, b/B pick a new start.",
            "success",
        )
    if state.epoch >= state.epochs:
        return (
            f"reached the {state.epochs:,}-epoch budget. "
            f"Type ': epochs {2 * state.epochs}' to go on, or r.",
            "accent",
        )
    if playing:
        steps = f"{speed:,} step{'s' if speed > 1 else ''}"
        return f"playing at {steps} per frame; space pauses, ] and [ change speed", ""
    if state.lr > theory.critical_lr:
        return (
            f"lr {num(state.lr)} is above the critical rate {num(theory.critical_lr, 4)}: "
            "this run will diverge",
            "warning",
        )
    return "", "muted"
