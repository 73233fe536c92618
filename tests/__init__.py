"""The test suite, one room per layer.

domain/     forecast figures, parsing, importing and exporting, reviews, storage, the seeder
services/   what the screens call: paged reads, edits, undo, people, conflicting writes
cli/        the command line: reports, imports, one-line errors, databases not ours
ui/         the real app driven with the pilot, checked on screen and in the database
snapshots/  pictures of the screens against the accepted SVGs in its __snapshots__/

Here: the rules that span layers (test_architecture, test_display_guard), the shared
fixtures (conftest) and helpers (factories, reads, hostile, ui_support, fixtures/). The app
is driven by the screenshots' demo and scenarios (`screenshots/`), so the README's pictures
and the snapshot tests show the same thing.
"""
