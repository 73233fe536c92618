"""The services the screens call: reading deals a page at a time, edits, undo, people, and
two people writing the same deal."""
