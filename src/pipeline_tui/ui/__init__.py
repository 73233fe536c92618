"""The terminal UI: Textual screens and widgets. No SQL here: data comes from services."""
