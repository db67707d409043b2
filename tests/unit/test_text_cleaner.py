import pytest

from tests.sample_expectations import DESCRIPTION_START, PARAGRAPH_STARTS, PUBLISHED_AT, SUBTITLE, TITLE
from worker.clean.normalize import repair_text
from worker.clean.text import clean_text, count_words, headline_keys, looks_like_article, split_blocks

pytestmark = pytest.mark.unit


def test_sample_header_and_unique_paragraphs(sample_bytes):
    parts = clean_text(repair_text(sample_bytes.decode()))
    assert parts.title == TITLE
    assert parts.subtitle == SUBTITLE
    assert parts.description.startswith(DESCRIPTION_START)
    assert parts.published_at.isoformat() == PUBLISHED_AT
    assert [p[: len(s)] for p, s in zip(parts.paragraphs, PARAGRAPH_STARTS, strict=False)] == list(PARAGRAPH_STARTS)
    assert len(parts.paragraphs) == 5


def test_repeats_differing_in_quotes_and_spacing_are_kept_once():
    text = 'Headline Here\n\nHe said “yes”  today. Then left.\n\nHe said "yes" today. Then left.\n\nEnd. Bye.'
    assert clean_text(repair_text(text)).paragraphs == ["He said “yes” today. Then left.", "End. Bye."]


def test_labels_printed_again_are_structure_and_stay():
    text = (
        "Best Budget Laptops\nThe first pick is light. It lasts all day.\nPros\nLong battery\nCons\nDim screen\n"
        "The second pick is fast. It runs hot.\nPros\nFast chip\nCons\nLoud fan\n"
        "fn main() {\n}\nfn test() {\n}\nThat is all. Thanks."
    )
    parts = clean_text(text, "Best Budget Laptops")
    assert parts.paragraphs[1:6] == [
        "Pros",
        "Long battery",
        "Cons",
        "Dim screen",
        "The second pick is fast. It runs hot.",
    ]
    assert parts.paragraphs[6:] == ["Pros", "Fast chip", "Cons", "Loud fan", "fn main() {", "}", "fn test() {", "}",
                                    "That is all. Thanks."]  # fmt: skip


def test_a_body_printed_twice_comes_out_once_subheadings_too():
    story = "It passed 7-2. Debate was long.\nWhat comes next\nThe mayor signs it. Work starts in May."
    parts = clean_text(f"Council Approves Budget\n{story}\n{story}")
    assert parts.title == "Council Approves Budget"
    assert parts.paragraphs == story.split("\n")


def test_copies_of_the_headline_and_dek_leave_the_body():
    text = (
        "Port Lease Approved\nPort Lease Approved\nThe deal ends a long standoff\nJune 23, 2025\n"
        "The lease was approved. Work starts soon.\nThe deal ends a long standoff\nPort Lease Approved"
    )
    parts = clean_text(text)
    assert (parts.title, parts.subtitle) == ("Port Lease Approved", "The deal ends a long standoff")
    assert parts.paragraphs == ["The lease was approved. Work starts soon."]


def test_byline_and_boilerplate_removed_authors_kept():
    text = "Storm Hits Coast\nBy Jane Doe and John Roe\nA storm hit. It was big.\nAdvertisement\nRain next. Stay safe."
    parts = clean_text(text)
    assert parts.title == "Storm Hits Coast"
    assert parts.authors == ["Jane Doe", "John Roe"]
    assert parts.paragraphs == ["A storm hit. It was big.", "Rain next. Stay safe."]


def test_one_sentence_lede_without_dateline_stays_in_body():
    text = "Council Approves Budget\nThe city council approved the budget on Tuesday.\nIt passed 7-2. Debate was long."
    parts = clean_text(text)
    assert parts.subtitle is None
    assert parts.paragraphs[0] == "The city council approved the budget on Tuesday."


def test_title_hint_is_removed_from_body():
    parts = clean_text("Council Approves Budget\nIt passed 7-2. Debate was long.", "Council Approves Budget")
    assert parts.title == "Council Approves Budget"
    assert parts.paragraphs == ["It passed 7-2. Debate was long."]


@pytest.mark.parametrize(
    "title_hint",
    [
        "Council Approves Budget - The Daily Planet",
        "The Daily Planet | Council Approves Budget",
        "Local — Council Approves Budget — The Daily Planet",
    ],
)
def test_headline_printed_without_the_titles_site_name_is_removed_from_body(title_hint):
    parts = clean_text("Council Approves Budget\nIt passed 7-2. Debate was long.", title_hint)
    assert parts.title == title_hint
    assert parts.paragraphs == ["It passed 7-2. Debate was long."]


def test_headline_ending_with_a_full_stop_is_removed_only_when_it_is_the_title():
    text = "Stocks Fall. Why You Should Not Worry.\nShares fell 3% on Tuesday. Analysts were calm."
    assert clean_text(text, "Stocks Fall. Why You Should Not Worry. - Barron's").paragraphs == [
        "Shares fell 3% on Tuesday. Analysts were calm."
    ]
    assert clean_text(text).paragraphs[0] == "Stocks Fall. Why You Should Not Worry."
    assert clean_text(text, "Another Headline").paragraphs[0] == "Stocks Fall. Why You Should Not Worry."


def test_title_parts_shorter_than_three_words_are_not_headlines():
    assert headline_keys("Council Approves Budget - Daily Planet") == {
        "council approves budget - daily planet",
        "council approves budget",
    }
    assert headline_keys("Up-to-date e-mail - News") == {"up-to-date e-mail - news"}
    parts = clean_text("Daily Planet\nIt passed 7-2. Debate was long.", "Council Approves Budget - Daily Planet")
    assert parts.paragraphs == ["Daily Planet", "It passed 7-2. Debate was long."]


def test_hard_wrapped_paragraphs_are_joined():
    text = (
        "The committee met on Monday to discuss the proposal that\n"
        "had been submitted by the regional office last spring.\n\n"
        "Nobody objected. The vote is next week."
    )
    assert split_blocks(text) == [
        "The committee met on Monday to discuss the proposal that had been submitted by the regional office last spring.",
        "Nobody objected. The vote is next week.",
    ]


def test_repair_text_fixes_mojibake_and_invisible_characters_but_keeps_curly_quotes():
    assert repair_text("Itâ€™s\u200b  “fine”\x07") == "It’s “fine”"


@pytest.mark.parametrize(
    ("text", "repaired"),
    [
        ("Der ﬁnale Satz", "Der finale Satz"),  # a ligature
        ("ＬＯＵＤ ｶﾀｶﾅ", "LOUD カタカナ"),  # full- and half-width forms
        ("一个约定，信守１５年！（续）", "一个约定，信守15年！（续）"),  # Chinese keeps its fullwidth punctuation
        ("obj\ufffc noise\u206a.", "obj noise."),  # control characters only ftfy knows
        ("Ã©cole ﬂux", "école flux"),  # mojibake and a ligature in one line
    ],
)
def test_repair_text_runs_ftfys_character_passes_where_they_change_something(text: str, repaired: str):
    assert repair_text(text) == repaired


def test_a_short_line_at_the_end_is_not_a_headline():
    paragraphs = [f"Paragraph {n} says one thing in a single sentence of modest length." for n in range(5)]
    text = "\n\n".join([*paragraphs, "Reporting by Jan Smit; editing by Ana Lee"])
    parts = clean_text(text)
    assert parts.title is None and parts.description is None
    assert parts.paragraphs[:5] == paragraphs


# One 1,700-character Chinese paragraph: 28 sentences with no space after their full stops.
_CHINESE_SENTENCE = "省委宣传部组织了话剧全省各市巡演活动，自五月下旬开始，先后在石家庄、邢台、邯郸、衡水、沧州等十个设区市演出，引起强烈反响。"


def test_a_long_chinese_paragraph_is_running_text():
    assert looks_like_article([_CHINESE_SENTENCE * 28], "话剧《约定无期限》河北各市巡演结束")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("plain English — text.", 4),
        ("一个约定，信守15年！（续） and more", 11),  # 8 Han characters, 15, and, more; no punctuation
        ("日々のニュース。", 7),  # kana and the iteration mark count, the full stop does not
        ("서울 시민들이 모였다", 3),  # Korean spaces its words
    ],
)
def test_count_words_counts_han_characters_and_kana_one_word_each(text: str, words: int):
    assert count_words(text) == words
