"""What in the config file the app can't use, said once at start, one line each.

A theme that isn't one, a [keymap] entry for a binding no screen has, a key Textual can't
read, and a key that takes over another binding's key where both would be live: each is
named, the rest of the file still applies, and the app opens.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import Keys, key_to_character

from ..config import UserConfig
from .screens.editing import DealEditor

MODIFIERS = {"ctrl", "shift", "alt", "meta", "super", "hyper"}
NAMED_KEYS = {key.value for key in Keys if "+" not in key.value}
PACKAGE = __name__.rsplit(".", 1)[0]  # pipeline_tui.ui


@dataclass(frozen=True)
class KnownBinding:
    id: str
    keys: tuple[str, ...]
    description: str


@dataclass
class ConfigCheck:
    problems: list[str]
    keymap: dict[str, str]  # the entries that can be applied


def key_problem(keys: str) -> str | None:
    """Why a keymap value can't be a key list (`ctrl+n,right_square_bracket`), or None."""
    for key in keys.split(","):
        key = key.strip()
        *modifiers, base = key.split("+")
        if not base or any(m not in MODIFIERS for m in modifiers):
            return f"'{key}' is not a key"
        if len(base) == 1 or base in NAMED_KEYS or key_to_character(base) is not None:
            continue
        return f"'{key}' is not a key (keys are written like ctrl+n, f5, question_mark, x)"
    return None


def check_config(config: UserConfig, themes: Iterable[str], app_class: type) -> ConfigCheck:
    """The config's problems, and the keymap without the entries that can't be applied."""
    where = str(config.path) if config.path else "the config file"
    problems: list[str] = []
    names = sorted(themes)
    if config.theme and config.theme not in names:
        close = difflib.get_close_matches(config.theme, names, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else f"themes: {', '.join(names)}"
        problems.append(f"{where}: theme '{config.theme}' is not a theme ({hint})")
    known = {b.id: b for chain in _chains(app_class) for b in chain}
    keymap: dict[str, str] = {}
    for ident, keys in config.keymap.items():
        if ident not in known:
            close = difflib.get_close_matches(ident, sorted(known), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else "; ? lists every binding"
            problems.append(f"{where}: [keymap] no binding has the id '{ident}'{hint}")
            continue
        problem = key_problem(keys)
        if problem:
            problems.append(f"{where}: [keymap] {ident} = '{keys}': {problem}")
            continue
        keymap[ident] = keys
    problems.extend(f"{where}: [keymap] {line}" for line in _clashes(keymap, app_class))
    return ConfigCheck(problems, keymap)


def _clashes(keymap: dict[str, str], app_class: type) -> Iterator[str]:
    """A key given to one binding that another, not moved by the keymap, still has where
    both are live (the same screen, or the app's keys on any screen)."""
    said: set[tuple[str, str, str]] = set()
    for chain in _chains(app_class):
        ids = {b.id for b in chain}
        for ident, keys in keymap.items():
            if ident not in ids:
                continue
            for key in (k.strip() for k in keys.split(",")):
                for other in chain:
                    taken = (
                        other.id != ident
                        and other.id not in keymap
                        and any(_same_key(key, k) for k in other.keys)
                    )
                    if taken and (ident, key, other.id) not in said:
                        said.add((ident, key, other.id))
                        yield (
                            f"{ident} = '{keys}' takes '{key}' from {other.id} "
                            f"({other.description}), which no longer has it there"
                        )


def _same_key(a: str, b: str) -> bool:
    """`?` and `question_mark` are one key."""
    return a == b or (key_to_character(a) or a) == (key_to_character(b) or b)


def _chains(app_class: type) -> list[list[KnownBinding]]:
    """The bindings live together: each screen's own (with the deal editor's, when it
    holds one), and the app's on top of every screen."""
    _import_screens()
    app = _bindings(app_class)
    editor = _bindings(DealEditor)
    chains = [app, editor + app]
    for cls in _subclasses(DOMNode):
        if not cls.__module__.startswith(PACKAGE) or cls is DealEditor:
            continue
        own = _bindings(cls)
        if not own:
            continue
        # A screen whose module builds a DealEditor holds one: its keys are live with it.
        holds_editor = getattr(sys.modules[cls.__module__], "DealEditor", None) is DealEditor
        chains.append(own + (editor if holds_editor else []) + app)
    return chains


def _bindings(cls: type) -> list[KnownBinding]:
    found: dict[str, KnownBinding] = {}
    for klass in reversed(cls.__mro__):
        for binding in klass.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                keys = tuple(k.strip() for k in binding.key.split(","))
                found[binding.id] = KnownBinding(binding.id, keys, binding.description)
    return list(found.values())


def _subclasses(cls: type[Any]) -> Iterator[type[Any]]:
    sub: type[Any]
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _import_screens() -> None:
    """Every screen and widget, so a binding on one not opened yet is known too."""
    for package in ("screens", "widgets"):
        module = importlib.import_module(f"{PACKAGE}.{package}")
        for info in pkgutil.iter_modules(module.__path__):
            importlib.import_module(f"{module.__name__}.{info.name}")
