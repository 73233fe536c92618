"""The keys that run each binding where you are, as a person reads them.

Help and the command palette both name keys; both read them here, from the screen's active
bindings, so a key remapped in the config's [keymap] is shown as it now is, everywhere.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.screen import Screen

from ..display import markup_literal

KeysByBinding = dict[str, tuple[Binding, list[str]]]


def keys_by_binding(screen: Screen[Any]) -> KeysByBinding:
    """Each active binding of `screen` by its id (or action), with every key that runs it."""
    found: KeysByBinding = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        # The key as bound, not the binding's key_display: after a remap the display
        # written for the default key would name a key that no longer does anything.
        shown = screen.app.get_key_display(Binding(key, binding.action))
        keys = found.setdefault(binding.id or binding.action, (binding, []))[1]
        if shown not in keys:
            keys.append(shown)
    return found


class KeyHints:
    """Palette help ending in the keys that do the same, read once per palette opening."""

    def __init__(self, screen: Screen[Any]) -> None:
        self._keys = keys_by_binding(screen)

    def keys(self, *binding_ids: str) -> list[str]:
        return [key for ident in binding_ids if ident in self._keys for key in self._keys[ident][1]]

    def __call__(self, help_text: str, *binding_ids: str, after: str = "") -> str:
        """`help_text (k1 / k2after)`, or `help_text` alone when no key runs it here.

        The palette parses help as markup and a keymap can bind `[`: keys go in escaped.
        """
        keys = self.keys(*binding_ids)
        if not keys:
            return help_text
        return f"{help_text} ({markup_literal(' / '.join(keys))}{after})"
