"""The article's language: py3langid's guess when it is confident, else the declared language, else ``und``.

Codes are ISO 639-1 where one exists (``en``, ``de``, ``zh``), as py3langid gives them; a declared tag
(``de-AT``, ``en_US``, ``fra``, ``French``) is reduced to the same form.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry
from py3langid.langid import MODEL_FILE, LanguageIdentifier

UNDETERMINED = "und"  # ISO 639-2 "undetermined"
# py3langid walks the text byte by byte in Python; on the 577 bodies of the two extraction sets, 1,000 characters
# give the same decision as 2,000 on all but one (which falls back to its declared language), at 0.5 ms less.
SAMPLE_CHARS = 1000
# Below this normalized probability a guess is not trusted (docs/languages.md: on the multilingual set's titles,
# guesses at or above it agree with the page's <html lang> in 98-99% of cases, all guesses in 87%).
MIN_CONFIDENCE = 0.9


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> tuple[str, float]:
    """py3langid's best language for the text's first ``SAMPLE_CHARS`` characters and its probability (0–1)."""
    language, probability = _identifier().classify(text[:SAMPLE_CHARS])
    return language, float(probability)


@lru_cache(maxsize=512)
def normalize_tag(tag: str | None) -> str | None:
    """``de-AT`` → ``de``, ``fra`` → ``fr``, ``English`` → ``en``; None for what names no language."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].casefold()
    if primary == UNDETERMINED or not primary.isalpha():
        return None
    # By code first: lookup() alone matches names too, and ``en`` is also the name of the language ``enc``.
    language = pycountry.languages.get(alpha_2=primary) or pycountry.languages.get(alpha_3=primary)
    if language is None:
        try:
            language = pycountry.languages.lookup(primary)
        except LookupError:
            return None
    return getattr(language, "alpha_2", None) or language.alpha_3


def decide(text: str, *declared: str | None) -> str:
    """The detected language if confident, else the first declared one that names a language, else ``und``."""
    language, probability = detect(text)
    if probability >= MIN_CONFIDENCE:
        return language
    return next((code for tag in declared if (code := normalize_tag(tag))), UNDETERMINED)
