"""The fast sentiment/emotion models: features, numpy inference vs scikit-learn, targets, shares, language."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from grapevine.text import load_model
from grapevine.text._fast import MODELS_DIR, char_ngram_hashes, load_fast_model
from grapevine.text._features import (
    char_buckets,
    char_wb_ngrams,
    hash_ngram,
    lexicon_features,
    normalize,
    normalize_batch,
    word_features,
)
from grapevine.text.evaluate import evaluate, metrics_from_confusion, read_texts
from grapevine.text.language import detect_language, is_supported
from grapevine.text.shares import corrected_shares, positive_share_interval

TRICKY = [
    "@Delta thanks\\u2019 a lot https://t.co/AbC &amp; more :) :-( <3",
    "I don't like it at all. Love it though 8)",
    "Gas by my house hit $3.39!!!! I\\u2019m going to Chapel Hill on Sat. :)",
    "NOT bad... not bad at all!!! #winning 😂😂 \\ud83d\\ude02",
    "",
    "   ",
    "mail me at a@b.com or @x_y; WWW.Example.com/path?q=1",
    "tabs\tand\r\nnewlines\u2028and\u00a0nbsp",
    "NUL\x00inside and a lone surrogate \ud800 here",
    "&#10; entity newline",
    "Ünïcödé İstanbul straße ΣΊΣΥΦΟΣ",
    "can't won't shouldn't never nothing good, happy!? sad...",
]


@pytest.fixture(scope="module")
def sentiment():
    return load_model("sentiment")


@pytest.fixture(scope="module")
def emotion():
    return load_model("emotion")


# -- normalisation and features ----------------------------------------------------------------


def test_normalize_masks_handles_and_removes_urls():
    assert normalize("@Delta thanks\\u2019 a lot https://t.co/x &amp; more") == "@user thanks' a lot & more"
    assert normalize("Theo is still shit\\u002c watch him") == "Theo is still shit, watch him"
    assert normalize("mail a@b.com @first_name") == "mail a@b.com @user"
    assert normalize("see www.x.com now \\ud83d\\ude02") == "see now 😂"
    assert normalize("a\x00b \n\t c") == "a b c"


def test_normalize_batch_equals_one_at_a_time():
    texts = TRICKY + [t.upper() for t in TRICKY] + ["x\n" * 3]
    assert normalize_batch(texts) == [normalize(t) for t in texts]
    assert normalize_batch([]) == []


def test_word_features_mark_negation_until_punctuation():
    features = word_features(normalize("I don't like it. Love it :)"))
    assert "like_NEG" in features and "it_NEG" in features
    assert "love" in features and "love_NEG" not in features
    assert ":)" in features and "<first> i" in features and ":) <last>" in features


def test_char_hashes_match_scikit_learn_char_wb():
    CountVectorizer = pytest.importorskip("sklearn.feature_extraction.text").CountVectorizer

    analyzer = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    docs = normalize_batch(TRICKY)
    hashes, doc = char_ngram_hashes(docs)
    buckets = ((hashes * np.uint64(0xBF58476D1CE4E5B9)) >> np.uint64(64 - 20)).astype(np.int64)
    for i, text in enumerate(docs):
        assert char_wb_ngrams(text) == analyzer(text)
        expected = Counter(hash_ngram(g) for g in analyzer(text))
        assert Counter(buckets[doc == i].tolist()) == expected == Counter(char_buckets(text))


def test_fast_features_match_reference_functions(sentiment):
    CountVectorizer = pytest.importorskip("sklearn.feature_extraction.text").CountVectorizer

    vocab = bytes(np.load(MODELS_DIR / "sentiment-fast.npz")["word_vocab"]).decode().split("\n")
    docs = normalize_batch(TRICKY)
    words = CountVectorizer(analyzer=word_features, vocabulary=vocab, binary=True).transform(docs)
    lexicon = dict(
        zip(
            bytes(np.load(MODELS_DIR / "sentiment-fast.npz")["lexicon_tokens"]).decode().split("\n"),
            np.load(MODELS_DIR / "sentiment-fast.npz")["lexicon_values"].astype(np.float64),
            strict=True,
        )
    )
    matrix, dense = sentiment.features(TRICKY)
    assert (matrix[:, : sentiment.n_word] != words).nnz == 0
    expected_dense = np.array([lexicon_features(d, lexicon) for d in docs])
    np.testing.assert_allclose(dense, expected_dense, rtol=0, atol=1e-12)


# -- training and the numpy runtime against scikit-learn ---------------------------------------


@pytest.fixture(scope="module")
def small_training(data_dir, tmp_path_factory):
    pytest.importorskip("sklearn")
    pytest.importorskip("vaderSentiment")
    from grapevine.text import train

    out = tmp_path_factory.mktemp("models")
    result = train.train_sentiment(data_dir, out, limit=1500, folds=True)
    return result, load_fast_model("sentiment", out), out


def test_training_on_a_slice_writes_a_loadable_model(small_training):
    result, model, out = small_training
    assert (out / "sentiment-fast.npz").is_file() and (out / "sentiment-fast.json").is_file()
    assert model.version == "sentiment-fast-1"
    assert model.labels == ("negative", "neutral", "positive")
    assert model.confusion.shape == (3, 3) and model.confusion.sum() == 1500
    assert result.meta["training_data"]["n"] == 1500
    assert 0.45 < result.meta["metrics"]["tweeteval_val"]["macro_recall"] < 0.75


def test_numpy_inference_matches_the_scikit_learn_pipeline(small_training):
    result, model, _ = small_training
    matrix, dense = result.featurizer.transform(TRICKY)  # scikit-learn CountVectorizer + reference lexicon
    columns = []
    for estimator, ratio in zip(result.fit.estimators, result.fit.ratios, strict=True):
        scaled = sp.hstack([matrix.multiply(ratio).tocsr(), sp.csr_matrix(dense)], format="csr")
        columns.append(estimator.predict_proba(scaled)[:, 1])
    expected = np.column_stack(columns)
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict_proba(TRICKY), expected, rtol=0, atol=1e-6)


def test_emotion_training_on_a_slice(data_dir, tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("vaderSentiment")
    from grapevine.text import train

    result = train.train_emotion(data_dir, tmp_path, limit=600, folds=False)
    assert result.meta["training_data"]["removed_val_overlaps"] >= 1
    model = load_fast_model("emotion", tmp_path)
    assert model.multilabel_labels == tuple(train.EC_LABELS)
    assert model.predict_proba(["so angry right now"]).shape == (1, 4)


# -- shipped models ----------------------------------------------------------------------------


def _lines(path: Path) -> list[str]:
    return read_texts(path)


def test_shipped_sentiment_meets_val_target(data_dir, sentiment):
    base = data_dir / "tweeteval" / "sentiment"
    report = evaluate(
        "sentiment",
        _lines(base / "val_text.txt"),
        [int(x) for x in _lines(base / "val_labels.txt")],
        sentiment,
    )
    assert report["n"] == 2000
    assert report["macro_recall"] >= 0.66
    assert np.sum(report["confusion_matrix"]) == 2000
    assert report["model"] == "sentiment-fast-1"


def test_shipped_emotion_meets_val_target(data_dir, emotion):
    base = data_dir / "tweeteval" / "emotion"
    report = evaluate(
        "emotion", _lines(base / "val_text.txt"), [int(x) for x in _lines(base / "val_labels.txt")], emotion
    )
    assert report["n"] == 374
    assert report["macro_f1"] >= 0.70


def test_shipped_models_are_small_and_pickle_free():
    for task in ("sentiment", "emotion"):
        path = MODELS_DIR / f"{task}-fast.npz"
        assert path.stat().st_size < 4_000_000
        with np.load(path, allow_pickle=False) as data:
            assert all(data[name].dtype != object for name in data.files)


def test_runtime_does_not_import_scikit_learn():
    code = (
        "import sys; from grapevine.text import load_model; "
        "m = load_model('sentiment'); m.predict(['great']); load_model('emotion').predict(['sad']); "
        "assert 'sklearn' not in sys.modules and 'vaderSentiment' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_sentiment_api(sentiment):
    texts = [
        "I love this so much, best day ever :)",
        "This is the worst service, I hate it",
        "The meeting is at 3pm",
    ]
    assert sentiment.predict(texts) == ["positive", "negative", "neutral"]
    proba = sentiment.predict_proba(texts)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    score = sentiment.score(texts)
    assert score[0] > 0.3 and score[1] < -0.3 and np.all(np.abs(score) <= 1)
    assert sentiment.predict([]) == [] and sentiment.predict_proba([]).shape == (0, 3)


def test_negation_flips_sentiment(sentiment):
    good, not_good = sentiment.score(["this is good", "this is not good"])
    assert good > 0 > not_good


def test_hostile_input_does_not_crash(sentiment):
    texts = [*TRICKY, "x" * 200_000, None, "\ud800\udfff"]  # type: ignore[list-item]
    proba = sentiment.predict_proba(texts)
    assert proba.shape == (len(texts), 3) and np.all(np.isfinite(proba))


def test_batching_does_not_change_results(sentiment):
    texts = TRICKY * 400  # more than one internal batch
    one = sentiment.predict_proba(TRICKY)
    np.testing.assert_allclose(sentiment.predict_proba(texts)[-len(TRICKY) :], one, rtol=0, atol=1e-12)


def test_emotion_api(emotion):
    assert emotion.version == "emotion-fast-1"
    assert emotion.labels == ("anger", "joy", "optimism", "sadness")
    assert {"fear", "disgust", "surprise", "trust", "anticipation", "love", "pessimism"} <= set(
        emotion.multilabel_labels
    )
    texts = [
        "I am so furious with this company, absolutely outraged",
        "I miss her so much, I can't stop crying",
    ]
    assert emotion.predict(texts) == ["anger", "sadness"]
    assert "disgust" in emotion.predict_multilabel(["This is disgusting, vile and revolting"])[0]
    assert emotion.predict_multilabel_proba(texts).shape == (2, len(emotion.multilabel_labels))
    with pytest.raises(ValueError, match="sentiment"):
        emotion.score(texts)


# -- evaluation --------------------------------------------------------------------------------


def test_evaluate_accepts_names_and_ids(sentiment):
    texts = ["I love it", "awful, just awful", "it is a table"]
    by_name = evaluate("sentiment", texts, ["positive", "negative", "neutral"], sentiment)
    by_id = evaluate("sentiment", texts, [2, 0, 1], sentiment)
    for key in ("macro_recall", "macro_f1", "accuracy", "confusion_matrix", "labels", "n"):
        assert by_name[key] == by_id[key]
    assert by_name["posts_per_s"] > 0
    with pytest.raises(ValueError, match="one label per text"):
        evaluate("sentiment", texts, [0, 1], sentiment)
    with pytest.raises(ValueError, match="Unknown label"):
        evaluate("sentiment", texts, ["good", "bad", "meh"], sentiment)


def test_metrics_from_confusion_match_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    accuracy_score, f1_score, recall_score = metrics.accuracy_score, metrics.f1_score, metrics.recall_score

    rng = np.random.default_rng(1)
    y, p = rng.integers(0, 3, 500), rng.integers(0, 3, 500)
    m = metrics_from_confusion(np.bincount(y * 3 + p, minlength=9).reshape(3, 3))
    assert m["macro_recall"] == pytest.approx(recall_score(y, p, average="macro"))
    assert m["macro_f1"] == pytest.approx(f1_score(y, p, average="macro"))
    assert m["accuracy"] == pytest.approx(accuracy_score(y, p))


# -- honest shares -----------------------------------------------------------------------------


def test_share_correction_recovers_the_truth_without_noise():
    rates = np.array([[0.7, 0.25, 0.05], [0.1, 0.75, 0.15], [0.03, 0.17, 0.8]])
    truth = np.array([0.2, 0.5, 0.3])
    np.testing.assert_allclose(corrected_shares(rates.T @ truth, rates), truth, atol=1e-12)


def test_share_interval_covers_the_true_share():
    # Simulate: a classifier with a known confusion, calibrated on 600 held-out posts, labels
    # samples of 800 posts; the 95% interval must contain the true share about 95% of the time.
    rng = np.random.default_rng(7)
    rates = np.array([[0.72, 0.22, 0.06], [0.12, 0.70, 0.18], [0.04, 0.21, 0.75]])
    truth = np.array([0.2, 0.65, 0.15])  # many neutral posts leak into "positive"
    hits, raw_hits, runs = 0, 0, 200
    for run in range(runs):
        calibration = np.stack([rng.multinomial(200, rates[i]) for i in range(3)])
        true_counts = rng.multinomial(800, truth)
        predicted = sum(rng.multinomial(true_counts[i], rates[i]) for i in range(3))
        r = positive_share_interval(predicted, calibration, level=0.95, n_boot=400, seed=run)
        hits += r.low <= truth[2] <= r.high
        half = 1.96 * np.sqrt(r.raw_share * (1 - r.raw_share) / 800)
        raw_hits += abs(r.raw_share - truth[2]) <= half
    assert 0.90 <= hits / runs <= 0.995
    assert raw_hits / runs < 0.8  # the naive interval, ignoring confusion, is biased here


def test_share_interval_inputs(sentiment):
    r = positive_share_interval({"negative": 100, "neutral": 500, "positive": 400})
    assert r.n == 1000 and r.raw_share == pytest.approx(0.4) and r.low <= r.share <= r.high
    assert sum(r.shares) == pytest.approx(1.0)
    assert positive_share_interval([0.1, 0.5, 0.4], n=1000).share == pytest.approx(r.share)
    with pytest.raises(ValueError, match="n is"):
        positive_share_interval([1, 2, 3], n=10)
    with pytest.raises(ValueError, match="3x3"):
        positive_share_interval([1, 2, 3], [[1, 0], [0, 1]])
    np.testing.assert_array_equal(sentiment.confusion.shape, (3, 3))


# -- language ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I can't believe how good this is", "en"),
        ("No me gusta nada el nuevo diseño de la app", "es"),
        ("Je ne sais pas pourquoi c'est comme ça", "fr"),
        ("Das ist nicht gut, ich bin sehr enttäuscht", "de"),
        ("Isso é muito bom", "pt"),
        ("Привет, как дела?", "ru"),
        ("こんにちは、元気ですか", "ja"),
        ("这是什么东西", "zh"),
        ("مرحبا كيف حالك", "ar"),
        ("😂😂😂", None),
        ("@user lol", None),
    ],
)
def test_detect_language(text, expected):
    assert detect_language(text) == expected


def test_is_supported_prefers_the_platform_hint():
    assert is_supported("Je ne sais pas pourquoi c'est comme ça", "en-GB")
    assert not is_supported("This is clearly English text", "es")
    assert not is_supported("Je ne sais pas pourquoi c'est comme ça", None)
    assert not is_supported("Je ne sais pas pourquoi c'est comme ça", "und")
    assert is_supported("great game tonight", None)
    assert is_supported("😂", "zxx")


def test_language_check_keeps_english_val_posts(data_dir):
    texts = _lines(data_dir / "tweeteval" / "sentiment" / "val_text.txt")
    kept = sum(is_supported(t, None) for t in texts)
    assert kept / len(texts) > 0.995
