"""Properties of the plain-text cleaner: it never raises, and cleaning a clean body changes nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from worker.clean.normalize import repair_text
from worker.clean.text import clean_text

pytestmark = pytest.mark.unit

WORDS = st.sampled_from(
    ["The", "council", "said", "on", "Monday", "that", "“it", "will”", "vote.", "By", "Jane", "Doe",
     "Advertisement", "June", "23,", "2025,", "4:01", "p.m.", "ET", "(Reuters)", "-", "Read", "more:", "\u200b",
     "Itâ€™s", "a", "plan?", "yes!", "WASHINGTON", "Photo:", "Getty", "Images", "\t", "Ünïcödé", "日本語。"]
)  # fmt: skip
LINES = st.lists(WORDS, min_size=1, max_size=30).map(" ".join)
DOCUMENTS = st.lists(LINES, min_size=1, max_size=12).flatmap(
    lambda lines: st.sampled_from(["\n", "\n\n"]).map(lambda sep: sep.join(lines))
)


def _clean(text: str, title: str | None = None) -> tuple[str | None, str]:
    parts = clean_text(repair_text(text), title)
    return parts.title, "\n\n".join(parts.paragraphs)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), DOCUMENTS))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    clean_text(repair_text(text), title_hint=text[:40] or None)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), DOCUMENTS))
def test_cleaning_a_clean_body_changes_nothing(text: str) -> None:
    title, body = _clean(text)
    assert _clean(body, title)[1] == body
