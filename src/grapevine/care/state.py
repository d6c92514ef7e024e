"""Where a customer is (state) and where they are heading (trajectory), with the evidence.

Pure functions over one conversation's turns, so that the same rules serve the store refresh,
the training script and the tests. Each customer turn gets a *level*:

===  ==========  ============================================================================
 3   angry       a threat cue (BBB, lawyer, cancel, "worst service", "unacceptable"), or a
                 clearly negative turn (score <= ``NEGATIVE_STRONG``) whose emotion is anger
                 with probability >= ``ANGER_MIN``
 2   frustrated  a waiting, repeat or "still not fixed" cue, or negative sentiment
 1   neutral     anything else
 0   satisfied   a thanks/resolution cue in a turn that is not negative, or clearly positive
                 sentiment (score >= ``POSITIVE_MIN``)
===  ==========  ============================================================================

The customer's *state* is the level of their latest turn, with two conversational corrections:
a third complaint (turns at level >= 2) makes a frustrated customer angry ("repeated
complaints"), and a neutral turn after an angry one ("any news?") leaves them frustrated, since
nothing has resolved it. The evidence says which turn, which cue or which score set it.

The *trajectory* compares the latest turn with the one before (then with the first): up is
``escalating``, down is ``calming``; a satisfied latest turn after a brand answer is
``resolved``; a single turn is ``new``; otherwise ``steady``. ``abandoned`` depends on the
clock, so readers apply it (:func:`apply_abandoned`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from grapevine.care.cues import Cue, find_cues

__all__ = [
    "ABANDON_AFTER_S",
    "ANGER_MIN",
    "LEVELS",
    "NEGATIVE_STRONG",
    "POSITIVE_MIN",
    "RULES_VERSION",
    "CustomerState",
    "Turn",
    "apply_abandoned",
    "customer_state",
    "turn_level",
]

LEVELS = ("satisfied", "neutral", "frustrated", "angry")
#: Bumped whenever the rules below change, so stored states are recomputed.
RULES_VERSION = "care-rules-2"
#: Anger probability from which a clearly negative turn reads as angry rather than frustrated.
#: The 4-class emotion model calls most complaints "anger", so both signals must be strong.
ANGER_MIN = 0.75
NEGATIVE_STRONG = -0.5
#: Sentiment score (P(positive) - P(negative)) from which a turn with no cue reads as satisfied.
POSITIVE_MIN = 0.3
#: A conversation silent this long after a brand answer, the customer not satisfied, is abandoned.
ABANDON_AFTER_S = 48 * 3600


@dataclass
class Turn:
    """One post of a conversation, as the care rules see it."""

    post_id: str
    author_id: str
    created_at: datetime | None
    text: str | None
    by_brand: bool
    sentiment: str | None = None  # negative | neutral | positive; None when unscored
    score: float | None = None  # P(positive) - P(negative)
    anger: float | None = None  # the emotion model's anger probability
    cues: list[Cue] = field(default_factory=list)

    @classmethod
    def of(cls, **values: Any) -> Turn:
        """A turn with its cues found in its text."""
        turn = cls(**values)
        turn.cues = find_cues(turn.text)
        return turn

    def cue(self, *kinds: str) -> Cue | None:
        for cue in self.cues:
            if cue.kind in kinds:
                return cue
        return None


@dataclass
class CustomerState:
    state: str
    level: int
    evidence: list[dict[str, Any]]
    trajectory: str
    levels: list[int]


def turn_level(turn: Turn) -> tuple[int, str, str]:
    """The level of one customer turn, with the signal that set it and a readable detail."""
    negative = turn.sentiment == "negative"
    threat = turn.cue("threat")
    if threat:
        return 3, "cue", f'"{threat.words}"'
    strong = turn.score is not None and turn.score <= NEGATIVE_STRONG
    if negative and strong and turn.anger is not None and turn.anger >= ANGER_MIN:
        return 3, "emotion", f"anger {turn.anger:.2f}, sentiment {turn.score:+.2f}"
    complaint = turn.cue("waiting", "repeat", "unresolved")
    if complaint:
        return 2, "cue", f'"{complaint.words}"'
    if negative:
        return 2, "sentiment", _sentiment_text(turn)
    thanks = turn.cue("thanks")
    if thanks:
        return 0, "cue", f'"{thanks.words}"'
    if turn.score is not None and turn.score >= POSITIVE_MIN:
        return 0, "sentiment", f"positive {turn.score:+.2f}"
    if turn.sentiment is None:
        return 1, "sentiment", "unscored"
    return 1, "sentiment", _sentiment_text(turn)


def _sentiment_text(turn: Turn) -> str:
    """The label with its score, or the label alone where the model stored no score."""
    return str(turn.sentiment) if turn.score is None else f"{turn.sentiment} {turn.score:+.2f}"


def customer_state(turns: list[Turn], customer_id: str) -> CustomerState:
    """State and trajectory of ``customer_id`` from a conversation's turns (in time order).

    Raises ValueError when the customer has no turn in ``turns``.
    """
    mine = [(i, t) for i, t in enumerate(turns) if t.author_id == customer_id and not t.by_brand]
    if not mine:
        raise ValueError(f"customer {customer_id} has no turn in this conversation")
    graded = [turn_level(t) for _, t in mine]
    levels = [g[0] for g in graded]

    def evidence(k: int, signal: str, detail: str) -> dict[str, Any]:
        return {"turn": k + 1, "post_id": mine[k][1].post_id, "signal": signal, "detail": detail}

    last = len(mine) - 1
    level = levels[last]
    found = [evidence(last, graded[last][1], graded[last][2])]
    complaints = [k for k, v in enumerate(levels) if v >= 2]
    if level == 2 and len(complaints) >= 3:
        level = 3
        found.insert(0, evidence(last, "repeated", f"{len(complaints)} complaints in {len(mine)} turns"))
    elif level == 1:
        earlier = next((k for k in range(last - 1, -1, -1) if levels[k] != 1), None)
        if earlier is not None and levels[earlier] == 3:
            level = 2
            found.insert(
                0, evidence(earlier, "unresolved", f"angry in turn {earlier + 1} ({graded[earlier][2]})")
            )
    answered_before_last = any(t.by_brand for t in turns[: mine[last][0]])
    return CustomerState(LEVELS[level], level, found, _trajectory(levels, answered_before_last), levels)


def _trajectory(levels: list[int], answered_before_last: bool) -> str:
    if levels[-1] == 0 and answered_before_last:
        return "resolved"
    if len(levels) == 1:
        return "new"
    for reference in (levels[-2], levels[0]):
        if levels[-1] > reference:
            return "escalating"
        if levels[-1] < reference:
            return "calming"
    return "steady"


def apply_abandoned(
    trajectory: str,
    state: str,
    last_brand_at: datetime | None,
    last_customer_at: datetime | None,
    last_activity_at: datetime | None,
    now: datetime,
) -> str:
    """``abandoned`` when the brand spoke last, the customer is not satisfied, and nobody has
    posted for ``ABANDON_AFTER_S``; otherwise the stored trajectory."""
    if trajectory == "resolved" or state == "satisfied" or last_brand_at is None or last_activity_at is None:
        return trajectory
    if last_customer_at is not None and last_customer_at > last_brand_at:
        return trajectory  # the customer is waiting: that is "unanswered", not abandoned
    if (now - last_activity_at).total_seconds() >= ABANDON_AFTER_S:
        return "abandoned"
    return trajectory
