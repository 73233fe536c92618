"""The README's screenshots and the scenarios behind them, which the snapshot tests share.

`demo` opens the app on a seeded database with a frozen clock, `scenarios` drives it to
each screen worth a picture, and `python -m screenshots.generate` renders them to SVG.
The tests import these the same way (pytest puts the project root on the path).
"""
