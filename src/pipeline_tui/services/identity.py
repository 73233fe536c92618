"""Who is using the app: one person of the organisation, or a refusal saying how to join.

The login is `--user`, else `PIPELINE_TUI_USER`, else the config file's `user` (the front
end picks the first one given), else the operating system's login name when a person has
it. There is no other fallback: acting as somebody else (the head of the organisation, say)
would let anyone make changes in their name.

The rule itself is `pipeline_tui.logins` (standard library only), which the check before
the screen (`pipeline_tui.precheck`) uses too: one rule, one set of messages.
"""

from __future__ import annotations

from ..logins import acting_person, command_person, not_a_person, os_login, who_am_i

__all__ = ["acting_person", "command_person", "not_a_person", "os_login", "who_am_i"]
