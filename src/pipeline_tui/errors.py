"""The one family of errors a person can cause or the environment can do to us.

Every front end shows any of them the same way: `user_message(exc)` is the one line the
CLI prints on stderr (exit status 2) and the app shows as a notification. Anything that is
not a `PipelineError` is a bug and may show as one.
"""

from __future__ import annotations

import re


class PipelineError(Exception):
    """Base of everything the user or the environment can cause; `str()` is the message."""


class InputError(PipelineError, ValueError):
    """What was typed, passed or brought in a file can't be used as it is."""


class NotFoundError(PipelineError, LookupError):
    """The thing asked for doesn't exist (a deal, a review, a person, a file)."""


class ConflictError(PipelineError):
    """Someone else changed the data since it was read; nothing was written."""


class PermissionDenied(PipelineError):
    """The user may not make this change; nothing was written."""


class StorageError(PipelineError):
    """The database can't be used right now: locked, read-only, full, unreachable, not ours."""


# user:password@ in a URL, and password=... in a query string or a libpq conninfo.
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][\w+.-]*://[^:/@\s]*:)[^@\s]*(?P<at>@)")
_PARAM_PASSWORD = re.compile(r"(?i)(?P<head>\bpassword\s*=\s*)('[^']*'|\"[^\"]*\"|[^\s&;]+)")


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` without any password a URL, a query string or a conninfo put in it."""
    text = _URL_PASSWORD.sub(r"\g<head>***\g<at>", text)
    text = _PARAM_PASSWORD.sub(r"\g<head>***", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def user_message(exc: BaseException, secrets: tuple[str, ...] = ()) -> str:
    """The one line shown for `exc`: its own words, never a password, never two lines (a
    line break quoted from data becomes a space, so nothing typed after it is lost)."""
    from .display import clean

    text = str(exc).strip() or type(exc).__name__
    return clean(redact(text, secrets))
