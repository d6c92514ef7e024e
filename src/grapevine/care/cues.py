"""Conversational cues in a customer's words: waiting, repeating, escalating, thanking.

Sentiment models score one post; these cues carry what only a conversation shows: that the
customer has been waiting ("still waiting", "any update?"), is complaining again ("3rd time",
"again"), is taking it to another channel or authority ("called", "emailed", "BBB", "lawyer",
"cancel"), or is done and happy ("thanks, that fixed it"). Each cue is a named regular
expression; :func:`find_cues` returns every cue found, with the words that matched, so a state
can always say which words set it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CUES", "Cue", "find_cues"]

# kind -> patterns. Kinds: waiting, repeat, channel (moved to another channel), threat (an
# authority, a lawyer, leaving), thanks (satisfaction), unresolved (it still does not work:
# cancels a "thanks" in the same post), dm_request (a brand asking to move to private messages).
_PATTERNS: dict[str, tuple[str, ...]] = {
    "waiting": (
        r"\bstill (?:waiting|no (?:reply|response|answer|word|update))",
        r"\bany (?:update|news|response|reply)s?\b",
        r"\bno(?:body| one)? (?:has )?(?:replied|responded|answered|(?:gets|got) back)",
        r"\bno (?:reply|response|answer)\b",
        r"\bhaven'?t (?:heard|received)",
        r"\bwaiting (?:for|on) (?:a |an |your )?(?:reply|response|answer|update|call|refund)",
        r"\b(?:been|waited) (?:waiting )?(?:for )?(?:over |almost |nearly )?(?:\d+|an?|two|three|several) (?:hours?|days?|weeks?|months?)",
        r"\bhello\s*\?",
        r"\bignor(?:ed|ing)\b",
    ),
    "repeat": (
        r"\b(?:\d+(?:st|nd|rd|th)|second|third|fourth|fifth|\d+) times?\b",
        r"\b(?<!working )(?<!works )(?:yet )?again\b",
        r"\bevery (?:single )?time\b",
        r"\bstill (?:not|isn'?t|doesn'?t|can'?t|broken|down|having|no)",
        r"\bkeeps? (?:happening|crashing|failing|breaking|getting)",
        r"\bsame (?:problem|issue|thing)\b",
    ),
    "channel": (
        r"\b(?:i|i've|i have|already) (?:dm'?e?d|messaged|emailed|e-mailed|called|phoned|rang)\b",
        r"\b(?:sent|send) (?:you )?(?:a |an )?(?:dm|direct message|email|e-mail)\b",
        r"\bon (?:the )?(?:phone|hold)\b",
        r"\b(?:customer service|support) (?:line|number)\b",
        r"\bspoke to\b|\btalked to\b",
    ),
    "threat": (
        r"\bbbb\b|\bbetter business bureau\b",
        r"\blawyers?\b|\battorneys?\b|\bsue\b|\blawsuit\b|\blegal action\b",
        r"\bregulator\b|\bfcc\b|\bombudsman\b|\bconsumer (?:rights|protection)\b",
        r"\bcancel(?:l?ing|l?ed)? my\b|\bcancel(?:l?ing)? (?:my |the )?(?:account|subscription|order|service|contract)\b",
        r"\b(?:switching|switch|moving) to\b|\bnever (?:again|using|flying|buying)\b",
        r"\bdone with\b|\bworst (?:customer )?(?:service|support|company|experience)\b",
        r"\bgo(?:ing)? to the press\b|\bunacceptable\b",
    ),
    "thanks": (
        r"\bthanks?\b|\bthank you\b|\bthx\b|\bty\b|\bcheers\b|\bappreciated?\b",
        r"\b(?:that|it'?s?|all) (?:fixed|sorted|solved|resolved|worked|working)\b",
        r"\bworks? (?:now|fine|great|perfectly)\b|\bworking (?:now|again)\b",
        r"\bgreat (?:service|support|help)\b|\bproblem solved\b|\ball good\b|\bperfect\b",
    ),
    "unresolved": (
        r"\bnot (?:fixed|sorted|solved|resolved|working)\b",
        r"\b(?:doesn'?t|didn'?t|does not|did not|won'?t|still not) (?:work|help|fix)",
        r"\bno thanks\b|\bthanks for nothing\b|\bthanks a lot\b",
    ),
    "dm_request": (
        r"\b(?:dm|direct message|message|private message) us\b",
        r"\bsend us (?:a )?(?:dm|direct message|private message|message)\b",
        r"\breach (?:out to )?us (?:via|by|through|in) (?:dm|direct message)",
        r"\bfollow (?:and|&) dm\b",
    ),
}


@dataclass(frozen=True)
class Cue:
    """One cue found in a text: its kind and the words that matched."""

    kind: str
    words: str


CUES: dict[str, re.Pattern[str]] = {
    kind: re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    for kind, patterns in _PATTERNS.items()
}


def find_cues(text: str | None) -> list[Cue]:
    """Every kind of cue in ``text``, once each, with the first words that matched.

    "thanks" is dropped when the same post says it is still not resolved ("thanks for
    nothing", "thanks but it still doesn't work").

    >>> [c.kind for c in find_cues("Still waiting... 3rd time I ask. Cancelling my account")]
    ['waiting', 'repeat', 'threat']
    >>> find_cues("Thanks, that fixed it!")
    [Cue(kind='thanks', words='Thanks')]
    """
    if not text:
        return []
    found = []
    for kind, pattern in CUES.items():
        match = pattern.search(text)
        if match:
            found.append(Cue(kind, " ".join(match.group(0).split())))
    if any(c.kind == "unresolved" for c in found):
        found = [c for c in found if c.kind != "thanks"]
    return found
