"""Card titles without the account the card shows beneath them (issue 14, item 4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline_tui.labels import deal_title


@pytest.mark.parametrize(
    ("name", "account", "title"),
    [
        ("Sierra Retail Inc - Security Suite", "Sierra Retail Inc", "Security Suite"),
        ("Sierra Retail Inc – Security Suite", "Sierra Retail Inc", "Security Suite"),
        ("Sierra Retail Inc — Security Suite", "Sierra Retail Inc", "Security Suite"),
        ("Sierra Retail Inc: Security Suite", "Sierra Retail Inc", "Security Suite"),
        ("Sierra Retail Inc | Security Suite", "Sierra Retail Inc", "Security Suite"),
        ("Sierra Retail Inc / Renewal 2027", "Sierra Retail Inc", "Renewal 2027"),
        ("sierra retail inc - Renewal", "Sierra Retail Inc", "Renewal"),  # as typed
        ("Acme - Renewal", " Acme ", "Renewal"),
        # No separator: the account's name runs on, or the name is someone else's.
        ("Acme-Corp Renewal", "Acme", "Acme-Corp Renewal"),
        ("Acme Corporation - Renewal", "Acme Corp", "Acme Corporation - Renewal"),
        ("Renewal for Acme", "Acme", "Renewal for Acme"),
        ("Security Suite", "Sierra Retail Inc", "Security Suite"),
        # Never an empty or meaningless title: the whole name instead.
        ("Sierra Retail Inc", "Sierra Retail Inc", "Sierra Retail Inc"),
        ("Sierra Retail Inc - ", "Sierra Retail Inc", "Sierra Retail Inc - "),
        ("Acme - -", "Acme", "Acme - -"),
        ("Acme - Renewal", None, "Acme - Renewal"),
        ("Acme - Renewal", "", "Acme - Renewal"),
        ("Acme - Renewal", "   ", "Acme - Renewal"),
    ],
)
def test_the_deals_own_part_of_its_name(name: str, account: str | None, title: str) -> None:
    assert deal_title(name, account) == title


words = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=12)
phrases = st.lists(words, min_size=1, max_size=4).map(" ".join)
separators = st.sampled_from([" - ", " – ", " — ", ": ", " | ", " / ", " · ", ", "])


@given(account=phrases, own=phrases, separator=separators)
def test_an_account_prefix_is_dropped(account: str, own: str, separator: str) -> None:
    assert deal_title(f"{account}{separator}{own}", account) == own


@given(name=st.text(max_size=40), account=st.none() | st.text(max_size=20))
def test_a_title_is_never_empty_and_always_part_of_the_name(name: str, account: str | None) -> None:
    title = deal_title(name, account)
    assert title in name
    if name.strip():
        assert title.strip()
    if title != name:  # a shortened title keeps something readable
        assert any(char.isalnum() for char in title)


@given(name=phrases, account=phrases)
def test_a_name_that_does_not_start_with_the_account_is_shown_whole(
    name: str, account: str
) -> None:
    if not name.casefold().startswith(account.casefold()):
        assert deal_title(name, account) == name
