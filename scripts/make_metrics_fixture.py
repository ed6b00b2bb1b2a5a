#!/usr/bin/env python3
"""Writes Tests/RAGTests/Fixtures/metrics/: predictions and scikit-learn's numbers for them.

The Swift ClassificationReport and ConfusionMatrix are ports of scikit-learn's
classification_report / accuracy_score / precision_recall_fscore_support
(zero_division=0) and confusion_matrix; EvaluationTests holds them to these files.

Run from the repository root:
    python3 -m venv .venv-tools && .venv-tools/bin/pip install scikit-learn
    .venv-tools/bin/python scripts/make_metrics_fixture.py

Each case NAME gives NAME.jsonl (one {"gold": ..., "predicted": ...} per row) and
NAME.json (sklearn's version and numbers). The data is deterministic (fixed seed),
so re-running only changes the files when scikit-learn's numbers change.
"""
import json
import random
import unicodedata
from pathlib import Path

import sklearn
from sklearn.metrics import (
    accuracy_score,
    classification_report,
    confusion_matrix,
    precision_recall_fscore_support,
)
from sklearn.utils.multiclass import unique_labels

OUT = Path(__file__).resolve().parent.parent / "Tests" / "RAGTests" / "Fixtures" / "metrics"

# Labels chosen to break naive ports: a capital that sorts before lowercase, spaces,
# commas and quotes (CSV quoting), HTML metacharacters, non-ASCII in and beyond the
# BMP (code-point order differs from UTF-16 order between U+FF21 and U+1F600), and
# NFC/NFD spellings of the same word, which Python keeps apart and Swift's String == merges.
VALID = [
    "Refund_not_showing_up",
    "card_arrival",
    "exchange_rate",
    "pin_blocked",
    "iot_coffee",
    "play_music",
    "weather",
    "general",
    "toxic",
    "not toxic",
    "yes, no",
    'say "hi"',
    "<script>alert(1)</script>",
    "caf\u00e9",                 # NFC
    "cafe\u0301",                # NFD, a different label to sklearn
    "na\u00efve",
    "\u65e5\u672c\u8a9e",        # CJK
    "\uff21_fullwidth",          # U+FF21 sorts before the emoji by code point
    "\U0001F600_grin",
    "Zebra",
    "apple",
    "apple ",                    # trailing space is a different label
    "never_predicted",           # in gold only: precision 0 by zero_division
    "rare",
]
# Predicted but never gold: what an LLM answers when it does not pick a listed class.
INVALID = ["I don't know", "card arrival", "UNKNOWN"]


def random_case(rng):
    gold_pool = VALID
    rows = []
    for _ in range(300):
        gold = rng.choice(gold_pool[:-1]) if rng.random() > 0.02 else "rare"
        r = rng.random()
        if r < 0.62:
            predicted = gold
        elif r < 0.92:
            predicted = rng.choice(gold_pool)
        else:
            predicted = rng.choice(INVALID)
        if predicted == "never_predicted":
            predicted = "general"
        rows.append((gold, predicted))
    return rows, sorted(VALID)


def tiny_case():
    # Small enough to check by hand: cat P=1/1 R=1/2, dog P=2/3 R=2/2, bird R=0, fish P=0,
    # and the NFC/NFD pair counted as a miss.
    rows = [
        ("cat", "cat"),
        ("cat", "dog"),
        ("dog", "dog"),
        ("dog", "dog"),
        ("bird", "fish"),
        ("caf\u00e9", "cafe\u0301"),
    ]
    return rows, None


def numbers(rows, valid):
    gold = [g for g, _ in rows]
    predicted = [p for _, p in rows]
    labels = [str(x) for x in unique_labels(gold, predicted)]
    assert labels == sorted(set(gold) | set(predicted))  # code-point order, as documented

    p, r, f, s = precision_recall_fscore_support(gold, predicted, average=None, zero_division=0)
    averages = {}
    for avg in ("macro", "weighted"):
        ap, ar, af, _ = precision_recall_fscore_support(gold, predicted, average=avg, zero_division=0)
        averages[avg] = {"precision": float(ap), "recall": float(ar), "f1": float(af)}

    # classification_report is what users read; it must agree with the functions above.
    report = classification_report(gold, predicted, output_dict=True, zero_division=0)
    for i, label in enumerate(labels):
        assert report[label]["precision"] == p[i] and report[label]["f1-score"] == f[i]
    assert report["macro avg"]["f1-score"] == averages["macro"]["f1"]
    assert report["weighted avg"]["f1-score"] == averages["weighted"]["f1"]

    out = {
        "sklearn_version": sklearn.__version__,
        "count": len(rows),
        "labels": labels,
        "accuracy": float(accuracy_score(gold, predicted)),
        "macro": averages["macro"],
        "weighted": averages["weighted"],
        "per_class": [
            {"label": label, "precision": float(p[i]), "recall": float(r[i]),
             "f1": float(f[i]), "support": int(s[i])}
            for i, label in enumerate(labels)
        ],
        "confusion": {
            "labels": labels,
            "counts": confusion_matrix(gold, predicted, labels=labels).tolist(),
        },
    }
    if valid is not None:
        out["valid_labels"] = valid
        out["invalid_count"] = sum(1 for x in predicted if x not in set(valid))
    return out


def write(name, rows, valid):
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / f"{name}.jsonl", "w", encoding="utf-8", newline="\n") as fh:
        for g, p in rows:
            fh.write(json.dumps({"gold": g, "predicted": p}, ensure_ascii=False) + "\n")
    with open(OUT / f"{name}.json", "w", encoding="utf-8", newline="\n") as fh:
        json.dump(numbers(rows, valid), fh, ensure_ascii=False, indent=1)
        fh.write("\n")


def main():
    rng = random.Random(20240611)
    rows, valid = random_case(rng)
    gold = {g for g, _ in rows}
    predicted = {p for _, p in rows}
    assert "never_predicted" in gold and "never_predicted" not in predicted
    assert predicted - gold, "need labels that are predicted but never gold"
    assert unicodedata.normalize("NFC", "cafe\u0301") == "caf\u00e9"
    assert {"caf\u00e9", "cafe\u0301"} <= gold
    write("random", rows, valid)
    write("tiny", *tiny_case())
    print(f"wrote {OUT} with scikit-learn {sklearn.__version__}")


if __name__ == "__main__":
    main()
