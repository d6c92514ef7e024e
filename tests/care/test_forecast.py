"""The shipped forecast: its metadata, numpy-only inference, and its evaluation on real data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from grapevine.care.forecast import FEATURES, MODEL_PATH, features, fit_logistic, load_forecaster
from grapevine.care.state import Turn
from grapevine.care.train import SEED, evaluate_trajectory, roc_auc, train


def test_shipped_model_matches_features_and_says_where_it_came_from() -> None:
    model = load_forecaster()
    assert model is not None, f"missing {MODEL_PATH}; run python -m grapevine.care.train"
    assert model.meta["features"] == list(FEATURES)
    assert {"trained_on", "split", "held_out", "scores_from", "label"} <= set(model.meta)
    assert model.meta["scores_from"] == ["sentiment-accurate-3", "emotion-accurate-3"]
    p = model.predict(np.zeros((3, len(FEATURES))))
    assert p.shape == (3,) and np.all((p > 0) & (p < 1))


def test_roc_auc_and_logistic_fit_against_independent_computations() -> None:
    y = np.array([0, 0, 1, 1, 0, 1])
    score = np.array([0.1, 0.4, 0.35, 0.8, 0.4, 0.4])
    weight = np.array([1.0, 0.5, 2.0, 1.0, 0.25, 1.0])
    pairs = [(a, b) for a in range(6) for b in range(6) if y[a] == 1 and y[b] == 0]
    credit = [1.0 if score[a] > score[b] else 0.5 if score[a] == score[b] else 0.0 for a, b in pairs]
    assert roc_auc(y, score) == pytest.approx(np.mean(credit))
    pair_weight = [weight[a] * weight[b] for a, b in pairs]
    assert roc_auc(y, score, weight) == pytest.approx(np.average(credit, weights=pair_weight))
    assert roc_auc(np.ones(3), score[:3]) is None
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 2))
    truth = np.array([-0.5, 2.0, -1.0])
    y = (rng.random(4000) < 1 / (1 + np.exp(-(truth[0] + x @ truth[1:])))).astype(float)
    assert fit_logistic(x, y, l2=0.0) == pytest.approx(truth, abs=0.15)
    # a weight of 2 is the same as the row twice
    doubled = fit_logistic(np.vstack([x, x[:500]]), np.concatenate([y, y[:500]]), l2=1.0)
    weighted = fit_logistic(x, y, l2=1.0, weight=np.where(np.arange(4000) < 500, 2.0, 1.0))
    assert weighted == pytest.approx(doubled, abs=1e-6)


def _turn(k: int, author: str, text: str, score: float, brand: bool = False) -> Turn:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    label = "positive" if score > 0.3 else "negative" if score < -0.3 else "neutral"
    return Turn.of(
        post_id=str(k), author_id=author, created_at=start + timedelta(hours=k), text=text, by_brand=brand,
        sentiment=label, score=score, anger=0.9 if score < -0.5 else 0.1,
    )  # fmt: skip


def test_features_see_only_the_turns_so_far() -> None:
    turns = [
        _turn(0, "c", "my order never arrived", -0.6),
        _turn(2, "acme", "Sorry! DM us your order number", 0.1, brand=True),
        _turn(3, "c", "still waiting, 3rd time I ask", -0.8),
        _turn(5, "acme", "Refund issued", 0.2, brand=True),
        _turn(6, "c", "thanks, that fixed it", 0.9),
    ]
    got = dict(zip(FEATURES, features(turns[:4], "c"), strict=True))
    assert got["last_customer_score"] == -0.8 and got["min_customer_score"] == -0.8
    assert got["mean_customer_score"] == pytest.approx(-0.7)
    assert got["customer_complained"] == 1.0 and got["customer_was_satisfied"] == 0.0
    assert got["brand_answered"] == 1.0 and got["brand_spoke_last"] == 1.0
    assert got["log_first_response_h"] == pytest.approx(np.log1p(2.0))
    assert got["last_brand_score"] == 0.2 and got["log_customer_turns"] == pytest.approx(np.log1p(2))
    later = dict(zip(FEATURES, features(turns, "c"), strict=True))
    assert later["customer_was_satisfied"] == 1.0 and later["brand_spoke_last"] == 0.0


@pytest.fixture(scope="module")
def evaluation(data_dir: Path) -> dict[str, Any]:
    return evaluate_trajectory(data_dir)


def _row(result: dict[str, Any], evaluation: str, horizon: str, method: str) -> dict[str, Any]:
    (row,) = [
        r
        for r in result["rows"]
        if r["evaluation"].startswith(evaluation)
        and r["horizon"] == horizon
        and r["method"].startswith(method)
    ]
    return row


@pytest.mark.data
def test_eval_trajectory_reports_model_and_both_baselines_on_the_same_points(
    evaluation: dict[str, Any],
) -> None:
    result = evaluation
    assert result["customers"] > 500 and result["n_test"] > 150 and result["points"] > result["customers"]
    for evaluation_name in ("held-out", "5x5"):
        for horizon in ("every turn", "before the last turn"):
            model = _row(result, evaluation_name, horizon, "model")
            majority = _row(result, evaluation_name, horizon, "baseline: majority")
            sentiment = _row(result, evaluation_name, horizon, "baseline: last customer")
            assert model["customers"] == majority["customers"] == sentiment["customers"]
            assert majority["roc_auc"] == 0.5
            for row in (model, sentiment):
                assert row["auc_low"] < row["roc_auc"] < row["auc_high"]
    share = result["satisfied_share_test"]
    held = _row(result, "held-out", "every turn", "baseline: majority")
    assert held["accuracy"] == pytest.approx(max(share, 1 - share))
    check = result["airline_state_check"]
    assert check is not None and check["n"] == 14_640 and check["precision"] > 0.8


@pytest.mark.data
def test_forecast_is_no_worse_than_the_sentiment_baseline_and_calibrated(evaluation: dict[str, Any]) -> None:
    result = evaluation
    for horizon in ("every turn", "before the last turn"):
        model = _row(result, "5x5", horizon, "model")
        sentiment = _row(result, "5x5", horizon, "baseline: last customer")
        # 0.03 is about the bootstrap standard error of an AUC on ~600 customers
        assert model["roc_auc"] >= sentiment["roc_auc"] - 0.03
        assert model["roc_auc"] > 0.55
        assert np.std(model["auc_by_repeat"]) < 0.03  # the folds do not decide the result
        # calibrated: the mean forecast is the share that ends satisfied
        assert model["mean_predicted"] == pytest.approx(result["satisfied_share"], abs=0.03)
    held = _row(result, "held-out", "every turn", "model")
    assert held["mean_predicted"] == pytest.approx(result["satisfied_share_test"], abs=0.06)


@pytest.mark.data
def test_shipped_model_is_what_train_builds_for_the_documented_seed(
    data_dir: Path, tmp_path: Path, evaluation: dict[str, Any]
) -> None:
    shipped = load_forecaster()
    assert shipped is not None and shipped.meta["split"]["seed"] == SEED
    rebuilt = train(data_dir, tmp_path / "care-forecast.json")
    assert rebuilt["trained_on"] == shipped.meta["trained_on"]
    assert rebuilt["l2"] == shipped.meta["l2"]
    for key in ("mean", "scale", "weights"):
        assert rebuilt[key] == pytest.approx(shipped.meta[key], abs=1e-9)
    written = orjson.loads((tmp_path / "care-forecast.json").read_bytes())["held_out"]["rows"]
    assert [r["method"] for r in written] == [r["method"] for r in shipped.meta["held_out"]["rows"]]
    assert [r["roc_auc"] for r in written] == pytest.approx(
        [r["roc_auc"] for r in shipped.meta["held_out"]["rows"]]
    )
    # what the training run recorded for the held-out part is what the evaluation measures now
    recorded = shipped.meta["held_out"]["rows"]
    measured = [r for r in evaluation["rows"] if r["evaluation"].startswith("held-out")]
    assert [r["roc_auc"] for r in recorded] == pytest.approx([r["roc_auc"] for r in measured])
