"""lrtui: linear regression trained by gradient descent, one step at a time, in the terminal."""

__version__ = "0.1.0"
