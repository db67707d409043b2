"""One test per cleaning rule: boilerplate, bylines, wire datelines, non-articles, charsets, HTML extraction."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml.html import fromstring

from schemas import RawArticle
from worker.clean import clean_article, decode_raw
from worker.clean import html as html_module
from worker.clean.dates import parse_datetime
from worker.clean.html import block_text, extract_html, headline, is_flattened, restructured
from worker.clean.text import clean_text, is_boilerplate, looks_like_article
from worker.errors import Rejected

pytestmark = pytest.mark.unit
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
STORY = "The council approved the harbor budget on Tuesday. The vote was 7-2 after a long debate."


@pytest.mark.parametrize(
    "line",
    [
        "Advertisement",
        "Share this article",
        "- Order Reprints",
        "Read more: Dockworkers plan vote on new contract",
        "You may also like...",
        "DON'T MISS",
        "Follow Newsbeat on Instagram, Facebook, Twitter and YouTube.",
        "Get the latest updates right in your inbox. Subscribe to our newsletters.",
        "Sign up for our daily newsletter",
        "Write to Al Root at al.root@example.com",
        "Have a tip? Amy Smith may be reached at asmith@example.com.",
        "We use cookies to improve your experience.",
        "This copy is for your personal, non-commercial use only.",
        "Photo: Jane Smith / Getty Images",
        "Firefighters on a ridge above the city on Saturday. (AP Photo/Noah Berger)",
        "12 Comments",
        "Updated at 1:23 p.m.",
        "© 2025 Example News Group",
        "Folgen Sie uns auf Twitter",
        "Síguenos en Telegram, Instagram, Facebook y Twitter",
        "Titelbild: Geyres Christophe/picture-alliance",
        "Image illustrative : Lego Minifigures par Ninja Brick",
        "Abonnieren Sie jetzt den Themen-Newsletter «Wohnen».",
        "Inscrivez-vous à notre newsletter",
        "Suscríbete a nuestra newsletter",
    ],
)
def test_boilerplate_lines(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        STORY,
        "Share prices fell 3% on Monday after the report.",
        "Photographers gathered outside the court before dawn.",
        "Read the full ruling, the judge told the lawyers, before you appeal.",
        "The newsletter industry has grown fast, and several founders signed up for a new fund this year. " * 3,
        "The Guardian US added 680,000 newsletter subscribers in a single year.",
        "Der Newsletter des Vereins hat inzwischen 20.000 Abonnenten.",
        "Fotos von der Feier zeigen den Bürgermeister vor dem Rathaus.",
    ],
)
def test_story_lines_are_not_boilerplate(line: str) -> None:
    assert not is_boilerplate(line)


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("By Jane Doe", ["Jane Doe"]),
        ("BY JANE DOE", ["JANE DOE"]),
        ("By Ann Lee, Tom Park and Sara Diaz", ["Ann Lee", "Tom Park", "Sara Diaz"]),
        ("By Carlos Mendes | Reuters", ["Carlos Mendes"]),
        ("Written by Jane Doe & John Roe", ["Jane Doe", "John Roe"]),
    ],
)
def test_bylines_become_authors(byline: str, authors: list[str]) -> None:
    parts = clean_text(f"Harbor Budget Passes\n{byline}\n{STORY}")
    assert parts.authors == authors
    assert parts.paragraphs == [STORY]


def test_wire_dateline_on_its_own_line_opens_the_first_paragraph() -> None:
    parts = clean_text(f"Budget Passes\nWASHINGTON (Reuters) -\n{STORY}")
    assert parts.paragraphs == [f"WASHINGTON (Reuters) - {STORY}"]


def test_wire_dateline_ends_the_header() -> None:
    parts = clean_text(f"Budget Passes\nJune 23 (AP) — The council voted.\n{STORY}")
    assert parts.title == "Budget Passes"
    assert parts.subtitle is None
    assert parts.paragraphs[0] == "June 23 (AP) — The council voted."


def test_zone_abbreviations_for_one_season_are_fixed_offsets() -> None:
    assert parse_datetime("2025-06-20 08:00 CET").isoformat() == "2025-06-20T08:00:00+01:00"
    assert parse_datetime("June 20, 2025, 8:00 a.m. ET").isoformat() == "2025-06-20T08:00:00-04:00"


@pytest.mark.parametrize(
    ("paragraphs", "title"),
    [
        (["Sorry, the page you requested could not be found."], "404 Not Found"),
        (["Access denied"], "Error"),
        (["It looks like we’re having some trouble. Check back soon to see your scores."], "Error"),
        (["We’ll Be Right Back!", "It looks like we’re having some trouble accessing your account."], "Accounts"),
        ([f"Headline number {n} about the harbor" for n in range(60)], "Latest news"),
    ],
)
def test_error_and_index_pages_are_not_articles(paragraphs: list[str], title: str) -> None:
    assert not looks_like_article(paragraphs, title)


def test_a_short_story_is_an_article() -> None:
    assert looks_like_article([STORY], "Harbor Budget Passes")


def test_index_page_becomes_not_an_article() -> None:
    links = "".join(f"<li><a href='/n{n}'>Harbor story number {n} of the week</a></li>" for n in range(80))
    html = f"<html><head><title>News</title></head><body><ul>{links}</ul></body></html>"
    with pytest.raises(Rejected) as caught:
        clean_article(RawArticle(html=html), NOW)
    assert caught.value.reason in {"not_an_article", "empty_after_cleaning"}


def test_pure_boilerplate_text_is_empty_after_cleaning() -> None:
    with pytest.raises(Rejected) as caught:
        clean_article(RawArticle(text="Advertisement\nShare this article\nSign up for our newsletter"), NOW)
    assert caught.value.reason == "empty_after_cleaning"


def test_html_bytes_are_decoded_by_their_declared_charset() -> None:
    page = "<html><head><meta charset='windows-1252'></head><body><p>Café “quoted”</p></body></html>"
    assert decode_raw(page.encode("cp1252"), 10_000).html == page


def test_undeclared_html_charset_is_sniffed() -> None:
    sentence = "Der Bürgermeister erklärte am Montag, dass die Straße über den Fluß gesperrt bleibt. "
    page = f"<!DOCTYPE html><html><body><p>{sentence * 20}</p></body></html>"
    assert decode_raw(page.encode("latin-1"), 100_000).html == page


def test_a_page_saved_through_latin_1_comes_out_repaired() -> None:
    story = "We’ll open the “new” bridge in May, the council said. Work on the café starts first. " * 8
    page = f"<html><head><title>Bridge “opens”</title></head><body><article><p>{story}</p></article></body></html>"
    twice_decoded = page.encode("utf-8").decode("latin-1")  # C1 controls where the quotes were
    assert "\x80" in twice_decoded
    record = clean_article(RawArticle(html=twice_decoded), NOW)
    assert record.body == story.strip() and record.title == "Bridge “opens”"


def test_a_page_saved_through_windows_1252_comes_out_repaired() -> None:
    story = "We’ll open the “new” bridge in May, the council said. Work on the café starts first. " * 8
    page = f"<html><head><title>We’ll open the café</title></head>\n<body><p>{story}</p></body></html>"
    # As browsers read Windows-1252: its five undefined bytes become C1 controls (0x9d of the closing quote).
    misread = "".join(bytes([byte]).decode("cp1252", "ignore") or chr(byte) for byte in page.encode("utf-8"))
    assert "â€\x9d" in misread and "\x9d" not in misread.split("\n")[0]
    record = clean_article(RawArticle(html=misread), NOW)
    assert record.body == story.strip() and record.title == "We’ll open the café"


@pytest.mark.parametrize("letter", ["s", "\u017f"])  # ſ, which the boilerplate regex matches as s
def test_boilerplate_prompts_match_case_insensitively(letter: str) -> None:
    assert is_boilerplate(f"Our NEW{letter}LETTER is delivered every morning")


def test_html_sample_gives_text_and_zoned_metadata() -> None:
    parts = extract_html((SAMPLES / "harbor-bridge.html").read_text("utf-8"))
    assert parts.text and parts.title
    assert parts.published_at is None or parts.published_at.tzinfo is not None


def test_json_ld_date_published_keeps_its_zone() -> None:
    body = "".join(f"<p>{'Paragraph of the story about the harbour works. ' * 5}</p>" for _ in range(4))
    script = '{"@graph": [{"@type": "NewsArticle", "datePublished": "2024-05-06T07:08:09+02:00"}]}'
    page = f'<html><head><script type="application/ld+json">{script}</script></head><body>{body}</body></html>'
    published = extract_html(page).published_at
    assert published == datetime(2024, 5, 6, 5, 8, 9, tzinfo=UTC)
    assert published.utcoffset().total_seconds() == 2 * 3600


def _headline(title: str, body: str = "", site_name: str | None = None, url: str | None = None) -> str | None:
    return headline(fromstring(f"<html><head><title>x</title></head><body>{body}</body></html>"), title, site_name, url)


@pytest.mark.parametrize(
    ("title", "body", "site_name", "url", "expected"),
    [
        # the part of the title printed as a heading
        ("Bridge Reopens | Rotterdam Daily", "<h1>Bridge Reopens</h1>", None, None, "Bridge Reopens"),
        ("News - Bridge Reopens - Rotterdam Daily", "<h2>Bridge Reopens</h2>", None, None, "Bridge Reopens"),
        (
            "Bridge reopens after repairs | Rotterdam Daily",
            "<h2>Rotterdam Daily</h2>",
            "Rotterdam Daily",
            None,
            "Bridge reopens after repairs",
        ),
        # parts naming the site, by its declared name or its host, at either end
        ("Bridge reopens after repairs - Rotterdam Daily", "", "Rotterdam Daily", None, "Bridge reopens after repairs"),
        ("NASA adds five companies – SpaceNews.com", "", None, "https://spacenews.com/a/", "NASA adds five companies"),
        (
            "LinkNaija | Kate Henshaw stuns in new photos",
            "",
            None,
            "https://www.linknaija.com/2018/",
            "Kate Henshaw stuns in new photos",
        ),
        ("Clymer manual review | MoreBikes", "", None, "https://www.morebikes.co.uk/x", "Clymer manual review"),
        # the page's one <h1>, when it has three words and does not name the site; its site part goes too
        (
            "AI Innovations Reach Healthcare",
            "<h1>How AI Is Transforming Healthcare</h1>",
            None,
            None,
            "How AI Is Transforming Healthcare",
        ),
        (
            "Was wir hören wollen",
            "<h1>Was wir nicht hören wollen | FASSETTE.NET</h1>",
            None,
            "https://fassette.net/x",
            "Was wir nicht hören wollen",
        ),
        (
            "商標法違反",
            "<h1>商品の改造が商標法違反に！？</h1>",
            None,
            None,
            "商品の改造が商標法違反に！？",
        ),
        ("Professional Design for Companies", "<h1>Design</h1>", None, None, "Professional Design for Companies"),
        ("Harbor works begin", "<h1>Rotterdam Daily</h1>", "Rotterdam Daily", None, "Harbor works begin"),
        ("Harbor works begin", "<h1>Harbor works</h1><h1>Other story here</h1>", None, None, "Harbor works begin"),
        # a malformed URL names no site
        (
            "Bridge reopens after repairs - Rotterdam Daily",
            "",
            None,
            "http://[bad",
            "Bridge reopens after repairs - Rotterdam Daily",
        ),
        # a title that is all site name, or has no separator, stays
        ("Rotterdam Daily", "", "Rotterdam Daily", None, "Rotterdam Daily"),
        (
            "Bridge-building in Rotterdam: a history",
            "",
            None,
            "https://rotterdam.nl/",
            "Bridge-building in Rotterdam: a history",
        ),
    ],
)
def test_headline_is_the_story_title_without_the_site_name(
    title: str, body: str, site_name: str | None, url: str | None, expected: str
) -> None:
    assert _headline(title, body, site_name, url) == expected


def test_an_html_title_with_the_site_name_gives_the_headline_and_a_body_without_it() -> None:
    story = "".join(f"<p>{STORY} Paragraph {n} of the story.</p>" for n in range(4))
    page = (
        "<html><head><title>Council backs harbor budget | Rotterdam Daily</title></head><body>"
        f"<nav><a href='/'>Home</a></nav><article><h1>Council backs harbor budget</h1>{story}</article></body></html>"
    )
    record = clean_article(RawArticle(html=page, url="https://rotterdamdaily.nl/budget"), NOW)
    assert record.title == "Council backs harbor budget"
    assert not record.body.startswith("Council backs")


def test_block_text_keeps_outermost_blocks_one_per_line() -> None:
    root = fromstring("<div><p>One <b>two</b></p><ul><li>three</li><li><p>four</p></li></ul></div>")
    assert block_text(root) == "One two\nthree\nfour"


def test_a_malformed_url_gives_no_source_instead_of_raising() -> None:
    record = clean_article(RawArticle(text=f"{STORY}\n\n{STORY}", url="http://[bad"), NOW)
    assert (record.source, record.canonical_url) == (None, None)


def test_an_html_body_keeps_its_blocks_where_plain_text_would_be_unwrapped() -> None:
    """Long lines without a sentence end read as a hard-wrapped paragraph in plain text; from a page they are
    the page's own blocks (list items, table rows, code) and stay apart."""
    items = [f"Item {n}: the harbor budget line for dredging the outer channel in {2020 + n}" for n in range(6)]
    page = (
        "<html><head><title>Harbor budget lines</title></head><body><article><h1>Harbor budget lines</h1>"
        f"<p>{STORY}</p><ul>{''.join(f'<li>{item}</li>' for item in items)}</ul><p>{STORY} It ends here.</p>"
        "</article></body></html>"
    )
    record = clean_article(RawArticle(html=page, url="https://example.org/harbor"), NOW)
    assert record.body.split("\n\n") == [STORY, *(f"- {item}" for item in items), f"{STORY} It ends here."]
    assert clean_text("\n".join(items)).paragraphs == [" ".join(items)]


def test_a_page_without_a_date_of_its_own_takes_the_one_in_its_url() -> None:
    page = f"<html><head><title>Harbor budget</title></head><body><article><p>{STORY}</p></article></body></html>"
    dated = extract_html(page, "https://example.org/news/2025/06/23/harbor-budget")
    assert dated.published_at == datetime(2025, 6, 23, tzinfo=UTC)
    assert extract_html(page, "https://example.org/news/harbor-budget").published_at is None


PARAGRAPHS = [f"{STORY} Paragraph {n} goes on about the dredging of the outer channel." for n in range(6)]


def _story_page(paragraphs: list[str]) -> str:
    return (
        "<html><head><title>Harbor budget</title></head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        "<article><div class='byline'>By Ann Lee</div>"
        + "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
        + "</article><footer>© Rotterdam Daily</footer></body></html>"
    )


def test_a_body_flattened_into_one_block_gives_way_to_readability_s_blocks() -> None:
    """trafilatura's last resort is the text of the whole article in one block, its byline too."""
    flattened = " ".join(["By Ann Lee", *PARAGRAPHS])
    assert is_flattened(flattened) and not is_flattened("\n".join(PARAGRAPHS))
    blocks = ["By Ann Lee", *PARAGRAPHS]  # now lines the block cleaner can tell apart
    assert restructured(flattened, _story_page(PARAGRAPHS)).split("\n") == blocks


def test_a_flattened_body_stays_when_readability_s_text_is_another_or_a_sliver_of_it() -> None:
    other = " ".join(f"Another story, sentence {n}, about the river ferry and its timetable." for n in range(40))
    assert restructured(other, _story_page(PARAGRAPHS)) == other  # not a part of the body
    wider = " ".join([*PARAGRAPHS, other])  # the story is less than half of it
    assert restructured(wider, _story_page(PARAGRAPHS)) == wider


def test_the_stage_cleans_readability_s_blocks_where_trafilatura_flattened_the_page(monkeypatch) -> None:
    flattened = " ".join(["By Ann Lee", *PARAGRAPHS])
    monkeypatch.setattr(html_module, "_trafilatura", lambda tree, url, **mode: flattened)  # as on such pages
    record = clean_article(RawArticle(html=_story_page(PARAGRAPHS), url="https://rotterdamdaily.nl/budget"), NOW)
    assert record.body.split("\n\n") == PARAGRAPHS
    assert record.authors == ["Ann Lee"]
