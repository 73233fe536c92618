"""Opening databases and keeping their schema current."""

from .downgrading import DowngradePlan, plan_downgrade
from .engine import make_engine, open_database, redact_url
from .migrate import ForeignDatabase, current_revision, downgrade, head_revision, upgrade
from .opening import database_exists, display_url, faults_as_errors, url_secrets

__all__ = [
    "DowngradePlan",
    "ForeignDatabase",
    "current_revision",
    "database_exists",
    "display_url",
    "downgrade",
    "faults_as_errors",
    "head_revision",
    "make_engine",
    "open_database",
    "plan_downgrade",
    "redact_url",
    "upgrade",
    "url_secrets",
]
