"""The state and trajectory rules on hand-made turns, with exact expectations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from grapevine.care.cues import find_cues
from grapevine.care.state import Turn, apply_abandoned, customer_state, turn_level

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def turn(k: int, text: str, author: str = "c1", score: float = 0.0, anger: float = 0.1) -> Turn:
    label = "negative" if score <= -0.2 else "positive" if score >= 0.2 else "neutral"
    return Turn.of(
        post_id=f"p{k}", author_id=author, created_at=T0 + timedelta(hours=k), text=text,
        by_brand=author == "brand", sentiment=label, score=score, anger=anger,
    )  # fmt: skip


def test_cues_name_the_words() -> None:
    kinds = {c.kind: c.words for c in find_cues("Still waiting, 3rd time I ask. Calling my lawyer")}
    assert kinds == {"waiting": "Still waiting", "repeat": "3rd time", "threat": "lawyer"}
    assert [c.kind for c in find_cues("thanks for nothing, still not working")] == ["repeat", "unresolved"]
    assert [c.kind for c in find_cues("All working again, thank you!")] == ["thanks"]


@pytest.mark.parametrize(
    ("text", "score", "anger", "level"),
    [
        ("I will report you to the BBB", 0.0, 0.1, 3),
        ("this is awful", -0.8, 0.9, 3),
        ("this is awful", -0.8, 0.5, 2),  # negative but anger not strong: frustrated
        ("any update on my order?", 0.0, 0.1, 2),
        ("my order is late", -0.4, 0.2, 2),
        ("ok", 0.0, 0.1, 1),
        ("thanks, that fixed it", 0.1, 0.0, 0),
        ("thanks but it is still broken", -0.5, 0.2, 2),
    ],
)
def test_turn_levels(text: str, score: float, anger: float, level: int) -> None:
    assert turn_level(turn(0, text, score=score, anger=anger))[0] == level


def test_escalating_customer_with_evidence() -> None:
    turns = [
        turn(0, "@acme my router is dead", score=-0.4),
        turn(1, "sorry! please DM us", author="brand", score=0.2),
        turn(2, "ok sent", score=0.0),
        turn(3, "Still waiting for a reply...", score=-0.1),
    ]
    state = customer_state(turns, "c1")
    assert (state.state, state.trajectory, state.levels) == ("frustrated", "escalating", [2, 1, 2])
    assert state.evidence == [{"turn": 3, "post_id": "p3", "signal": "cue", "detail": '"Still waiting"'}]


def test_third_complaint_makes_angry_and_neutral_after_anger_stays_frustrated() -> None:
    three = [turn(0, "broken", score=-0.5), turn(1, "still broken", score=-0.5), turn(2, "any update?")]
    state = customer_state(three, "c1")
    assert state.state == "angry" and state.evidence[0]["signal"] == "repeated"
    cooled = [turn(0, "worst service ever", score=-0.9), turn(1, "ok.", score=0.0)]
    state = customer_state(cooled, "c1")
    assert (state.state, state.trajectory) == ("frustrated", "calming")
    assert state.evidence[0] == {
        "turn": 1, "post_id": "p0", "signal": "unresolved", "detail": 'angry in turn 1 ("worst service")',
    }  # fmt: skip


def test_resolved_needs_a_brand_answer() -> None:
    turns = [
        turn(0, "broken", score=-0.5),
        turn(1, "fixed now", author="brand"),
        turn(2, "thank you!", score=0.6),
    ]
    assert customer_state(turns, "c1").trajectory == "resolved"
    assert customer_state([turns[0], turns[2]], "c1").trajectory == "calming"
    with pytest.raises(ValueError, match="no turn"):
        customer_state(turns, "nobody")


def test_abandoned_only_after_a_silent_brand_answer() -> None:
    answered, asked = T0 + timedelta(hours=2), T0
    later = T0 + timedelta(days=3)
    assert apply_abandoned("steady", "frustrated", answered, asked, answered, later) == "abandoned"
    assert apply_abandoned("steady", "frustrated", answered, asked, answered, answered) == "steady"
    assert (
        apply_abandoned("steady", "frustrated", asked, answered, answered, later) == "steady"
    )  # customer waits
    assert apply_abandoned("resolved", "satisfied", answered, asked, answered, later) == "resolved"


def test_a_label_without_a_score_still_grades_the_turn() -> None:
    # post_sentiment.score may be NULL (a model that stores labels only): the label decides
    no_score = [
        Turn.of(post_id="p1", author_id="c1", created_at=T0, text="ok", by_brand=False, sentiment=s)
        for s in ("negative", "neutral")
    ]
    assert turn_level(no_score[0]) == (2, "sentiment", "negative")
    assert turn_level(no_score[1]) == (1, "sentiment", "neutral")
