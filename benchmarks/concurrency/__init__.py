"""Many sessions editing one database at once, and a writer killed mid-burst.

`load_edits` and `crash_writer` (one level up) are the commands; this package holds what
they share: a throwaway seeded database (`databases`), the edits a session makes and
their log (`editing`), and the checks run on the database afterwards (`verify`).
"""
