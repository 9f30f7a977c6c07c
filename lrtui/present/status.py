"""The status in words: the parameters panel's one word, and what the message bar says
(what is happening, why, and which key to press)."""

from __future__ import annotations

from lrtui.engine.state import CONVERGED, DIVERGED, TrainingState
from lrtui.engine.theory import Theory
from lrtui.present.text import num


def status_word(state: TrainingState, playing: bool) -> tuple[str, str]:
    """What the run is doing, in a word, and the colour it is shown in."""
    if state.status == DIVERGED:
        return "diverged", "error"
    if state.status == CONVERGED:
        return "converged", "success"
    if state.epoch >= state.epochs:
        return "finished", "accent"
    if playing:
        return "playing", "warning"
    if state.epoch == 0:
        return "ready", "primary"
    return "paused", "secondary"


def status_message(
    state: TrainingState, theory: Theory, bound: float, playing: bool, speed: int
) -> tuple[str, str]:
    """(text, tone) for the message bar; an empty text means "show the key hint".
    `bound` is the trainer's divergence bound."""
    if state.status == DIVERGED:
        # The keys first: at 80 columns the two lines end before the explanation does.
        recover = "- or r" if theory.above_critical(state.lr) else "r"
        cause = theory.divergence_cause(state.lr, bound)
        return f"diverged at epoch {state.epoch:,} (press {recover}): {cause}.", "error"
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
    if theory.above_critical(state.lr):
        return (
            f"lr {num(state.lr)} is above the critical rate {num(theory.critical_lr, 4)}: "
            "this run will diverge",
            "warning",
        )
    return "", "muted"
