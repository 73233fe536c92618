"""Where data and settings live, and which database to open.

Nothing here touches the disk at import time: folders are made only when a database
or config file is actually opened.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_config_path, user_data_path

from .errors import InputError

APP_NAME = "pipeline-tui"
DB_ENV = "PIPELINE_TUI_DB"
CONFIG_ENV = "PIPELINE_TUI_CONFIG"
DEFAULT_DB_FILENAME = "pipeline.db"


def data_dir() -> Path:
    return user_data_path(APP_NAME, appauthor=False)


def reviews_dir() -> Path:
    """Where review summaries are saved unless told otherwise; made on first save."""
    return data_dir() / "reviews"


def config_path() -> Path:
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    return user_config_path(APP_NAME, appauthor=False) / "config.toml"


def default_database_path() -> Path:
    return data_dir() / DEFAULT_DB_FILENAME


def database_url(db: str | None = None) -> str:
    """A SQLAlchemy URL from `--db`, then `PIPELINE_TUI_DB`, then the default file.

    A value with `://` is a URL; anything else is a path to a SQLite file. An empty `--db`
    is a mistake, not a request for the default (an empty environment variable is unset,
    as the shell convention goes).
    """
    if db is not None and not db.strip():
        raise ConfigError("No database given: --db is empty; give a SQLite file or a URL")
    value = db or os.environ.get(DB_ENV, "").strip() or str(default_database_path())
    if "://" in value:
        if value.startswith(("postgresql://", "postgres://")):
            # psycopg 3 is the driver we ship; plain URLs would ask for psycopg2.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value
    try:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    except (ValueError, OSError, RuntimeError) as exc:  # a NUL byte, an unknown ~user, a loop
        raise ConfigError(f"Can't use {value!r} as a database path: {exc}") from None


def default_database_url() -> str:
    """The app's own database in the user data folder, created on first use."""
    return f"sqlite:///{default_database_path().expanduser().resolve()}"


@dataclass
class UserConfig:
    """The per-person config file: theme, key overrides, the default user."""

    theme: str | None = None
    user: str | None = None
    database: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def load(cls, path: Path | None = None) -> UserConfig:
        path = path or config_path()
        if not path.exists():
            return cls(path=path)
        try:
            raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"Can't read config file {path}: {exc}") from exc
        keymap = raw.get("keymap", {})
        if not isinstance(keymap, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in keymap.items()
        ):
            raise ConfigError(f"{path}: [keymap] must map binding ids to key strings")
        return cls(
            theme=_optional_str(raw, "theme", path),
            user=_optional_str(raw, "user", path),
            database=_optional_str(raw, "database", path),
            keymap=dict(keymap),
            path=path,
        )

    def save(self) -> None:
        """Writes the file back; only the keys we own, in a stable order."""
        path = self.path or config_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = []
        for key in ("theme", "user", "database"):
            value = getattr(self, key)
            if value is not None:
                lines.append(f"{key} = {_toml_str(value)}")
        if self.keymap:
            lines.append("")
            lines.append("[keymap]")
            lines.extend(f"{k} = {_toml_str(v)}" for k, v in sorted(self.keymap.items()))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class ConfigError(InputError):
    pass


def _optional_str(raw: dict[str, Any], key: str, path: Path) -> str | None:
    value = raw.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ConfigError(f"{path}: '{key}' must be a string")


def _toml_str(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
