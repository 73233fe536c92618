"""The baseline: a bare Textual app that shows one label and redraws it on every key.

    python benchmarks/bare_app.py

Its first frame (`bare ready`) and its key-to-screen time (`key 7 #3`) are what Textual
itself costs on this machine, which the terminal benchmarks compare pipeline-tui against.
"""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Label


class BareApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Label("bare ready", id="label")

    def on_mount(self) -> None:
        self.count = 0

    def on_key(self, event: events.Key) -> None:
        if event.key == "q":
            self.exit()
            return
        self.count += 1
        self.query_one("#label", Label).update(f"key {event.character or event.key} #{self.count}")


if __name__ == "__main__":
    BareApp().run()
