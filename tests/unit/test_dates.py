import pytest

from worker.clean.dates import looks_like_dateline, parse_datetime

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("June 23, 2025, 4:01 p.m. ET", "2025-06-23T16:01:00-04:00"),
        ("Dec. 2, 2024, 9:15 a.m. ET", "2024-12-02T09:15:00-05:00"),
        ("Updated 10:32 AM EDT, Mon June 23, 2025", "2025-06-23T10:32:00-04:00"),
        ("2025-06-23T16:01:00Z", "2025-06-23T16:01:00+00:00"),
        ("23 June 2025 15:00 BST", "2025-06-23T15:00:00+01:00"),
        ("Published: 2024-03-01 08:00 CET", "2024-03-01T08:00:00+01:00"),
        ("Mon, 23 Jun 2025 16:01:00 +0200", "2025-06-23T16:01:00+02:00"),
        ("March 3, 2025", "2025-03-03T00:00:00+00:00"),
    ],
)
def test_printed_times_parse_with_their_zone(text, iso):
    assert looks_like_dateline(text)
    assert parse_datetime(text).isoformat() == iso


@pytest.mark.parametrize(
    "text",
    [
        "On June 23, 2025, Canada and the European Union solidified a defense partnership.",
        "Canada and EU Strengthen Defense Ties Amid US Withdrawal",
        "2025 was a year",
        "",
    ],
)
def test_sentences_are_not_datelines(text):
    assert not looks_like_dateline(text)


def test_garbage_is_not_a_date():
    assert parse_datetime("not a date at all") is None
