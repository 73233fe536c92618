"""Opening databases and keeping their schema current."""

from .engine import make_engine, open_database, redact_url
from .migrate import current_revision, downgrade, head_revision, upgrade

__all__ = [
    "current_revision",
    "downgrade",
    "head_revision",
    "make_engine",
    "open_database",
    "redact_url",
    "upgrade",
]
