"""pipeline-tui: a keyboard-first terminal app for sales pipeline and forecast review."""

__version__ = "0.1.0"
