"""What the views need, computed once per publish, in pure Python: no textual, no rich.

`Frame` (frame.py) is one immutable object per publish: the `TrainingState`, the view
settings, and everything derived from them that a panel shows (rows of numbers, the gradient
comparison, the next step, the status words, plot scenes computed lazily and cached). The
app makes a Frame and hands it down; the views only draw it. Tested like the engine.
"""
