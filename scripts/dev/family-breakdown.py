#!/usr/bin/env python3
"""family-breakdown.py: accuracy of predictions files per label family of data/ (banking77, HWU64
intents, HWU64 scenarios, toxic), and how many errors are only the scenario/intent ambiguity
(gold `weather`, predicted `weather_query`, or the other way round).

Usage: scripts/dev/family-breakdown.py PRED.jsonl [PRED.jsonl ...]   (markdown on stdout)
"""
import csv
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parents[2]
labels = {r["label_text"] for r in csv.DictReader(open(root / "data" / "train.csv", newline="", encoding="utf-8"))}
toxic = {"toxic", "not toxic"}
# HWU64 intents are `<scenario>_<intent>`; the 18 scenarios are labels of their own.
scenarios = {l for l in labels if l not in toxic and any(o.startswith(l + "_") for o in labels) and "_" not in l}


def family(label):
    if label in toxic:
        return "toxic"
    if label in scenarios:
        return "HWU64 scenarios"
    if label.split("_", 1)[0] in scenarios:
        return "HWU64 intents"
    return "banking77"


def scenario_of(label):
    fam = family(label)
    if fam == "HWU64 scenarios":
        return label
    if fam == "HWU64 intents":
        return label.split("_", 1)[0]
    return None


families = ["banking77", "HWU64 intents", "HWU64 scenarios", "toxic"]
print("| predictions | " + " | ".join(families) + " | all | errors | scenario/intent errors |")
print("|---|" + "---|" * (len(families) + 3))
for path in sys.argv[1:]:
    rows = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    acc = {}
    for f in families:
        sel = [r for r in rows if family(r["gold"]) == f]
        acc[f] = sum(r["gold"] == r["predicted"] for r in sel) / len(sel) if sel else float("nan")
    errors = [r for r in rows if r["gold"] != r["predicted"]]
    # Same scenario, one side labelled by scenario and the other by intent.
    ambiguous = [r for r in errors
                 if scenario_of(r["gold"]) and scenario_of(r["gold"]) == scenario_of(r["predicted"])
                 and (family(r["gold"]) != family(r["predicted"]))]
    total = sum(r["gold"] == r["predicted"] for r in rows) / len(rows)
    name = pathlib.Path(path).stem
    print(f"| {name} | " + " | ".join(f"{acc[f]:.3f}" for f in families)
          + f" | {total:.3f} | {len(errors)} | {len(ambiguous)} ({len(ambiguous) / max(1, len(errors)):.0%}); "
          + f"accuracy without them {(len(rows) - len(errors) + len(ambiguous)) / len(rows):.3f} |")
