"""Cheap language identification: is a post in a language the text models were trained for?

Not a full language identifier. It looks at the writing system of the letters and, for Latin
script, at which language's function words the post uses. Its job is to keep the English-only
``fast`` models from labelling Spanish or Japanese posts (those are left unscored) while giving
short or ambiguous English-looking posts the benefit of the doubt. A platform's own language tag,
when present, always wins.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["SUPPORTED_LANGUAGES", "detect_language", "is_supported"]

SUPPORTED_LANGUAGES: dict[str, frozenset[str]] = {"fast": frozenset({"en"})}

# Platform tags that say nothing about the language (Twitter: undetermined, no text, media,
# hashtags, mentions, cashtags or very short text only); detection decides instead.
_NO_LANGUAGE_TAGS = frozenset({"", "und", "zxx", "qme", "qht", "qam", "qct", "qst", "mul", "mis"})

_STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and is are was were to of in on for with this that it you i my me we they he she "
        "be have has had not but at so just what your if will can all do don't i'm it's from about "
        "an or by there out up how who when his her our their would been because them than then "
        "really why these those which no u im dont its too very as a",
        "es": "el la los las de que y en un una es por para con se lo del al como pero más mi muy "
        "qué está son yo ya todo esta este su hay también porque cuando tu te le les nos eso sin "
        "sus fue ser hoy esto ese",
        "pt": "o os as de que e do da em um uma é não para com se na no por mais eu você muito isso "
        "está mas ao dos das já tem meu minha foi ele ela nós são ser hoje também quando",
        "fr": "le la les de des et est un une du en je il elle que qui pas pour sur avec ce c'est "
        "au mais on vous nous tout plus ne très mon ma j'ai ça sont aux cette ses été être",
        "de": "der die das und ist nicht ich du er sie es ein eine zu den mit von auf für im dem "
        "sich auch wie noch aber bei nur wir ihr mein heute schon sehr kein war sind hat wird",
        "it": "il lo la gli le di che e è un una per non con del della sono mi ma si ci questo come "
        "anche più da nel alla ho ha tutto io sei perché oggi molto",
        "nl": "de het een en van ik je is niet dat die op te zijn met voor maar wat er ook nog naar "
        "dit wel bij ze we geen heb hebben",
        "id": "yang dan di ini itu dengan untuk tidak ada aku saya kamu ke dari akan juga sudah "
        "bisa apa lagi ya tapi mau kalau gak nya aja",
        "tr": "ve bir bu da de için ne çok ben sen mi ile gibi daha ama var yok değil şey",
        "tl": "ang ng sa na mga ko ako mo ka hindi at ay lang naman yung po ba kung",
    }.items()
}
_WORD_LANGUAGES: dict[str, tuple[str, ...]] = {}
for _lang, _words in _STOPWORDS.items():
    for _word in _words:
        _WORD_LANGUAGES[_word] = (*_WORD_LANGUAGES.get(_word, ()), _lang)
_WORD_WEIGHT = {word: 1.0 / len(langs) for word, langs in _WORD_LANGUAGES.items()}
# Letters that (nearly) only one of the Latin-script languages above uses.
_MARKERS = {"es": "ñ¿¡", "pt": "ãõ", "de": "ß", "tr": "ışğ", "fr": "œèêë", "it": "ò"}
_SCRIPT_LANGUAGE = {
    "CYRILLIC": "ru",
    "GREEK": "el",
    "ARABIC": "ar",
    "HEBREW": "he",
    "DEVANAGARI": "hi",
    "BENGALI": "bn",
    "TAMIL": "ta",
    "THAI": "th",
    "HANGUL": "ko",
    "HIRAGANA": "ja",
    "KATAKANA": "ja",
    "CJK": "zh",
    "GEORGIAN": "ka",
    "ARMENIAN": "hy",
    "ETHIOPIC": "am",
    "GUJARATI": "gu",
    "GURMUKHI": "pa",
    "TELUGU": "te",
    "KANNADA": "kn",
    "MALAYALAM": "ml",
    "SINHALA": "si",
    "KHMER": "km",
    "LAO": "lo",
    "MYANMAR": "my",
}
_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#$]\w+|&\w+;", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_MIN_LETTERS = 3


def detect_language(text: str) -> str | None:
    """Guess the language of a post as an ISO 639-1 code, or None when it cannot tell.

    Non-Latin scripts map to their main language (Cyrillic ``"ru"``, Ukrainian letters ``"uk"``,
    Kana ``"ja"``, Han ``"zh"``...). Latin script is decided by function words and a few
    language-specific letters; a text with too few clues (emoji, a name, "lol") gives None.

    Examples
    --------
    >>> detect_language("I can't believe how good this is")
    'en'
    >>> detect_language("No me gusta nada el nuevo diseño")
    'es'
    >>> detect_language("😂😂") is None
    True
    """
    if not isinstance(text, str):
        return None
    text = _NOISE.sub(" ", text)
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < _MIN_LETTERS:
        return None
    scripts: dict[str, int] = {}
    for ch in letters:
        script = _script(ch)
        scripts[script] = scripts.get(script, 0) + 1
    script, count = max(scripts.items(), key=lambda item: item[1])
    if script != "LATIN" and count * 2 >= len(letters):
        if script in ("HIRAGANA", "KATAKANA") or (
            script == "CJK" and (scripts.get("HIRAGANA") or scripts.get("KATAKANA"))
        ):
            return "ja"
        if script == "CYRILLIC" and any(ch in "іїєґ" for ch in text.lower()):
            return "uk"
        return _SCRIPT_LANGUAGE.get(script)
    if script != "LATIN":
        return None
    return _latin_language(text.lower())


def _latin_language(text: str) -> str | None:
    words = _WORD.findall(text.replace("\u2019", "'"))
    scores = dict.fromkeys(_STOPWORDS, 0.0)
    for word in words:
        weight = _WORD_WEIGHT.get(word)
        if weight is not None:  # a word shared by k languages counts 1/k for each
            for lang in _WORD_LANGUAGES[word]:
                scores[lang] += weight
    for lang, marks in _MARKERS.items():
        if any(mark in text for mark in marks):
            scores[lang] += 2.0
    best = max(scores.values())
    if best == 0:
        return None
    if scores["en"] >= best:  # ties go to English: shared words ("a", "me", "no") are common
        return "en"
    if best < 2:  # one foreign function word is weak evidence ("em", "la", "de" in names)
        return "en" if scores["en"] > 0 else None
    return max(scores, key=lambda lang: scores[lang])


def _script(ch: str) -> str:
    if ch < "\u0250":  # Basic Latin to Latin Extended-B: the common case, no name lookup
        return "LATIN"
    name = unicodedata.name(ch, "")
    first = name.split(" ", 1)[0]
    if first in ("CJK", "HANGUL", "HIRAGANA", "KATAKANA", "LATIN"):
        return first
    return first if first in _SCRIPT_LANGUAGE else "OTHER"


def is_supported(text: str, lang_hint: str | None = None, tier: str = "fast") -> bool:
    """Return True when the ``tier`` models should score this post.

    ``lang_hint`` is the platform's language tag (Twitter ``lang``, Mastodon ``language``,
    Bluesky ``langs[0]``); when it names a language it wins ("en", "en-GB" -> True, "es" ->
    False). Otherwise the text is checked with ``detect_language``, and a post it cannot place
    (None) is scored.

    Examples
    --------
    >>> is_supported("Je ne sais pas", "en")
    True
    >>> is_supported("Je ne sais pas pourquoi c'est comme ça", None)
    False
    """
    supported = SUPPORTED_LANGUAGES.get(tier, frozenset({"en"}))
    if lang_hint is not None:
        tag = str(lang_hint).strip().lower().replace("_", "-")
        primary = tag.split("-", 1)[0]
        if primary not in _NO_LANGUAGE_TAGS:
            return primary in supported or (primary == "eng" and "en" in supported)
    detected = detect_language(text)
    return detected is None or detected in supported
