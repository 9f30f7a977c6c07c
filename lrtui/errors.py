"""The one error a user acts on.

Loading data, parsing settings, reading tour and session files and writing files raise
`DataError` with a message meant for a person; the command line prints it as one line
`lrtui: error: ...` with exit code 2, the app shows it in its message bar or prompt.
Divergence is not an error: it is a status of the training state.
"""

from __future__ import annotations


class DataError(ValueError):
    """Bad input (data, settings, files) or a file that cannot be written, with a message
    meant for the user."""
