"""The app's keys that write files into the current folder: ctrl+s the session, e the loss
history as CSV, s a screenshot, x the run as a NumPy script. Each says where it wrote, or why
it could not, in the message bar."""

from __future__ import annotations

from lrtui.engine.data import DataError
from lrtui.engine.session import (
    ViewSettings,
    export_history,
    save_session,
    timestamped_path,
    write_atomic,
)


class FileActions:
    """Mixed into LrtuiApp (which provides trainer, data, the views and the message bar)."""

    def view_settings(self) -> ViewSettings:
        main = self.screen_stack[0]
        return ViewSettings(
            self.speed,
            self.loss_view.log_scale,
            self.tangent_view.show_samples,
            main.has_class("-formula"),
            main.has_class("-graph"),
        )

    def apply_view(self, view: ViewSettings) -> None:
        self.speed = view.speed
        self.loss_view.log_scale = view.log
        self.tangent_view.show_samples = view.tangents
        self.screen_stack[0].set_class(view.formulas, "-formula")  # the main screen
        self.screen_stack[0].set_class(view.graph, "-graph")

    def action_save_session(self) -> None:
        self._set_playing(False)
        self._write_file(
            "session",
            lambda: save_session(self.trainer, self.view_settings()),
            " (lrtui --session FILE resumes it)",
        )

    def action_export_history(self) -> None:
        self._set_playing(False)
        self._write_file("loss history", lambda: export_history(self.trainer))

    def action_screenshot(self) -> None:
        svg = self.export_screenshot()
        self._write_file(
            "screenshot", lambda: write_atomic(timestamped_path("lrtui-screenshot", ".svg"), svg)
        )

    def _write_file(self, what: str, write, note: str = "") -> None:
        """Write a file into the current folder and say where, or why not."""
        try:
            path = write()
        except (OSError, DataError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            self.message.show(f"could not save the {what}: {reason}", "error")
            return
        self.message.show(f"saved the {what} to {path.resolve()}{note}", "success")

    def action_export_code(self) -> None:
        """Write the run's current settings as a standalone NumPy script."""
        from lrtui.export import script

        text = script(self.data, self.trainer.current_config())
        self._write_file(
            "NumPy script",
            lambda: write_atomic(timestamped_path("lrtui-run", ".py"), text),
            " (run it with python)",
        )
