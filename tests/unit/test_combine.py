"""The extractors' vote, the two guards of the HTML path and the teasers dropped, on small handmade texts and
pages."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from lxml.html import fromstring
from trafilatura.utils import load_html

from bench import DATA_DIR
from schemas import RawArticle
from worker.clean import clean_article, decode_raw
from worker.clean.combine import (
    agreement,
    contained_share,
    drop_teasers,
    first_running_text,
    is_link_list,
    paragraph_pool,
    vote,
    word_count,
    words_key,
)
from worker.clean.html import (
    _drop_noise,
    _readability,
    _trafilatura,
    extends,
    extract_html,
    link_texts,
    needs_recall,
)
from worker.errors import Rejected
from worker.pipeline import Message, clean_message
from worker.settings import Settings

pytestmark = pytest.mark.unit
NOW = datetime(2026, 1, 1, tzinfo=UTC)
STORY = (
    "The council approved the harbor budget on Tuesday after a long debate.",
    "The vote was 7-2, with both dissenters citing the cost of dredging.",
    "Work on the new pier is to start in the spring and last two years.",
)
MENU = "\n".join(["Home", "World", "Politics", "Business", "Tech", "Sport", "Culture", "Travel", "Video", "Contact"])


def test_vote_keeps_the_paragraphs_most_extractors_contain_in_page_order() -> None:
    first, second, third = STORY
    fast = f"{first}\n{second}\nSubscribe to our newsletter"
    precision = f"{first}\n{second}"
    recall = f"{first}\n{second}\n{third}\nSubscribe to our newsletter"
    assert vote([fast, precision, recall], 2).split("\n") == [first, second, "Subscribe to our newsletter"]
    assert vote([fast, precision, recall], 3).split("\n") == [first, second]


def test_a_paragraph_cut_differently_is_one_paragraph_of_the_pool() -> None:
    first, second, third = STORY
    pool = paragraph_pool([f"{first}\n{second}\n{third}", f"{first} {second}", f"{third}"])
    assert pool == [first, second, third]


def test_a_paragraph_missing_from_the_longest_candidate_comes_after_its_predecessor() -> None:
    first, second, third = STORY
    assert paragraph_pool([f"{first}\n{third} More words here.", f"{first}\n{second}"]) == [
        first,
        second,
        f"{third} More words here.",
    ]


def test_a_menu_is_a_link_list_and_running_text_is_not() -> None:
    assert is_link_list(MENU)
    assert not is_link_list("\n".join(STORY))
    assert not is_link_list("\n".join([*STORY, "Share", "Print"]))  # a few short lines in a story
    assert not is_link_list("&&& ###")


def test_a_link_list_body_gives_way_to_the_next_candidate() -> None:
    assert first_running_text(["", MENU, "\n".join(STORY)]) == "\n".join(STORY)


def test_a_page_whose_every_candidate_is_a_menu_is_not_an_article() -> None:
    with pytest.raises(Rejected) as caught:
        first_running_text([MENU, MENU.lower()])
    assert caught.value.reason == "not_an_article"
    assert first_running_text(["", " "]) == ""


def test_a_portal_page_of_one_word_lines_is_dead_lettered_as_not_an_article() -> None:
    sections = "".join(f"<div class='teaser'><p><a href='/s{i}'>Section{i}</a></p></div>" for i in range(60))
    page = f"<html><head><title>Portal</title></head><body><main>{sections}</main></body></html>"
    with pytest.raises(Rejected) as caught:
        clean_article(RawArticle(html=page), NOW)
    assert caught.value.reason == "not_an_article"


def test_a_body_much_shorter_than_the_running_text_opens_the_recall_path() -> None:
    paragraphs = "".join(f"<p>{line}</p>" for line in STORY * 4)
    tree = fromstring(f"<html><body><article>{paragraphs}</article></body></html>")
    assert needs_recall(STORY[0], tree)
    assert not needs_recall("\n".join(STORY * 4), tree)


def test_navigation_header_footer_and_asides_are_not_running_text() -> None:
    furniture = "".join(f"<{tag}><p>{' '.join(STORY * 3)}</p></{tag}>" for tag in ("nav", "header", "footer", "aside"))
    tree = fromstring(f"<html><body>{furniture}<article><p>{STORY[0]}</p></article></body></html>")
    assert not needs_recall(STORY[0], tree)


def test_agreement_is_the_share_of_words_two_bodies_share() -> None:
    assert agreement("\n".join(STORY), " ".join(STORY)) == 1.0
    assert agreement("one two three", "three four") == pytest.approx(1 / 4)
    assert agreement("", "") == 1.0


def test_contained_share_counts_the_words_of_lines_found_whole() -> None:
    first, second, third = STORY
    assert contained_share(f"{first}\n{second}", f"{first} {second} {third}") == 1.0
    assert contained_share(f"{first}\n{third}", f"{first}\n{second}") == pytest.approx(
        len(first.split()) / (len(first.split()) + len(third.split()))
    )
    assert contained_share("", "anything") == 1.0


def test_the_recall_path_takes_a_wider_text_only_when_it_holds_the_body_and_makes_it_whole() -> None:
    body = "\n".join(STORY)
    assert extends("\n".join([*STORY, *(f"{line} Later that week." for line in STORY)]), body)
    assert not extends("\n".join([*STORY, STORY[0]]), body)  # not twice the words: the body was not cut
    other = [f"Unrelated paragraph {n} about the weather over the valley this weekend." for n in range(8)]
    assert not extends("\n".join(other), body)  # longer, but another text
    with_menus = "\n".join([*STORY, *[MENU] * 6])
    assert word_count(with_menus) >= 2 * word_count(body) and is_link_list(with_menus)
    assert not extends(with_menus, body)  # the extra words are menus


def _bundled_page(path: str) -> tuple[str, str]:
    """The page, and trafilatura's default body of it as the stage computes it (noise stripped first)."""
    raw = gzip.decompress((DATA_DIR / path).read_bytes())
    page = decode_raw(raw, max_bytes=len(raw)).html or ""
    tree = load_html(page)
    _drop_noise(tree)
    return page, _trafilatura(tree, None)


def test_a_story_split_over_containers_comes_out_whole_through_the_recall_path() -> None:
    """An article-extraction page whose story trafilatura cuts to its first container (619 of 1,373 words)."""
    page, body = _bundled_page(
        "article-extraction-benchmark/html/2f42ef1d3ea0c96e56355d3db93d0e06b47e760b74f6f4261278b8cd1c246dd6.html.gz"
    )
    text = extract_html(page).text
    assert word_count(text) >= 2 * word_count(body)
    assert contained_share(body, text) >= 0.8


def test_a_longer_readability_text_that_does_not_make_the_body_whole_is_not_taken() -> None:
    """A multilingual page under half its running text whose readability text is longer, but not twice the body."""
    page, body = _bundled_page("web-extraction-multilingual/html/dw.com.colonial.html.gz")
    assert needs_recall(body, load_html(page)) and word_count(_readability(page)) > word_count(body)
    text = extract_html(page).text
    # The body without its two "Read more: <linked headline>" teasers.
    assert text == drop_teasers(body, lambda: link_texts(load_html(page)))
    assert word_count(text) < word_count(body)


def test_a_page_trafilatura_default_finds_no_body_in_gets_the_other_modes_body() -> None:
    """A WCXB page (a 2,000-word guide) where trafilatura default and its precision modes return nothing."""
    page, body = _bundled_page("wcxb/dev/html/4111.html.gz")
    assert not body.strip()
    assert word_count(extract_html(page).text) > 1500


def test_the_html_vote_setting_reaches_the_worker_s_clean_stage() -> None:
    """An article-extraction page where trafilatura's modes disagree: with the vote, a photo caption, empty list
    items and the page's metadata that only the default body keeps are voted out."""
    name = "article-extraction-benchmark/html/fde930b01859de8311c6a14f8aa8c72be0659b551367803deb6736cf3526cf2e.html.gz"
    page = gzip.decompress((DATA_DIR / name).read_bytes())
    message = Message(page, b"page.html", "news.raw", 0, 0, NOW)
    plain, voted = (clean_message(message, Settings(html_vote=vote)).body for vote in (False, True))
    assert word_count(voted) < word_count(plain)
    assert contained_share(voted, plain) == 1.0


HEADLINES = ("Harbor pilots strike over new shift rules", "Ferry fares rise for the third year running")


def _links(*texts: str) -> Callable[[], frozenset[str]]:
    return lambda: frozenset(words_key(text) for text in texts)


def test_a_lead_in_before_linked_headlines_is_dropped_with_them() -> None:
    first, second, third = STORY
    text = "\n".join([first, second, "Auch interessant:", *HEADLINES, third])
    assert drop_teasers(text, _links(*HEADLINES)) == "\n".join([first, second, third])
    text = "\n".join([first, "Schon gelesen?", HEADLINES[0]])
    assert drop_teasers(text, _links(*HEADLINES)) == first


def test_a_labelled_line_whose_rest_is_a_linked_headline_is_dropped() -> None:
    first, second, _ = STORY
    text = "\n".join([first, f"Read more: {HEADLINES[0]}", second])
    assert drop_teasers(text, _links(HEADLINES[0])) == f"{first}\n{second}"


def test_lists_labels_and_linked_lines_of_the_story_are_kept() -> None:
    first, second, _ = STORY
    kept = [
        "\n".join([first, "Ingredients:", "Two cups of flour and a pinch of salt", second]),  # not linked
        "\n".join([first, "Earcuff: Zoeca", second]),  # a linked name, not a headline
        "\n".join([first, "Coinbase vs. Coinbase Pro: Fees", second]),  # the whole line is a link (a heading)
        "\n".join([first, "See the plans:", "Plans", second]),  # a short link, not a headline
    ]
    for text in kept:
        assert drop_teasers(text, _links("Zoeca", "Coinbase vs. Coinbase Pro: Fees", "Plans")) == text


def test_the_page_s_links_are_read_only_for_a_body_with_a_lead_in_or_a_label() -> None:
    def unread() -> frozenset[str]:
        raise AssertionError("the links were read")

    assert drop_teasers("\n".join(STORY), unread) == "\n".join(STORY)


def test_a_body_of_teasers_only_is_kept_whole() -> None:
    text = "\n".join(["Auch interessant:", *HEADLINES])
    assert drop_teasers(text, _links(*HEADLINES)) == text


def test_teasers_are_dropped_on_the_html_path() -> None:
    """A multilingual page whose body ends with a "Schon gelesen?" box of a linked headline."""
    page, body = _bundled_page("web-extraction-multilingual/html/aerobuzz.de-bremen.html.gz")
    teaser = "Luftwaffe hat mit dem Training auf den H145 von NHV begonnen"
    assert "Schon gelesen?" in body and teaser in body
    text = extract_html(page).text
    assert "Schon gelesen?" not in text and teaser not in text
    assert contained_share(text, body) == 1.0 and word_count(text) > 0.8 * word_count(body)
