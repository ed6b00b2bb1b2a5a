"""Few-shot fine-tuning side by side on the same draws: SetFit 1.x (the shared anchor, contrastive pairs then its
logistic head), LocalRAG's contrastive recipe (`rag train encoder --objective contrastive`, then its head), and
LocalRAG's frozen linear head (`rag train head` over base embeddings), each in its own process (peak RSS = VmHWM).

For each --per-label N and --seed: draws N rows of every label of train.csv exactly as the shared SetFit anchor
does (random.Random(seed), labels in sorted order, each label's rows shuffled, the first N; all of a smaller label),
writes them to one CSV that every stack trains on, and scores each on data/test.csv (accuracy, macro-F1 from the
predictions). Times: the training the stack does (SetFit: trainer.train(); LocalRAG: the whole `rag train ...`
process, loading and the head included) and the process's peak RSS.

usage: python Benchmarks/anchors/fewshot_side_by_side.py [--per-label-list 8,16] [--seed 0] [--iterations-list 5]
       [--stacks setfit,contrastive,head] [--threads 2] [--rag-args "--epochs 10"] [--out Benchmarks/results/fewshot_....json]
needs: setfit, datasets, sentence-transformers, torch (PyPI) in the interpreter that runs it; a release build of rag
(scripts/lib/build.sh); models/all-MiniLM-L6-v2 (rag model install) or --model-dir."""
from __future__ import annotations

import argparse, collections, csv, json, os, random, shlex, sys, tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

RAG = common.RAG


def draw(train: Path, per_label: int, seed: int, out: Path) -> int:
    """The shared anchor's draw, written to `out`; returns the rows drawn."""
    by = collections.defaultdict(list)
    for r in csv.DictReader(open(train, newline="", encoding="utf-8")):
        by[r["label_text"]].append(r)
    rnd = random.Random(seed); rows = []
    for label in sorted(by):
        g = by[label][:]; rnd.shuffle(g); rows += g[:per_label]
    rnd.shuffle(rows)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["text", "label_text"]); w.writeheader()
        for r in rows: w.writerow({"text": r["text"], "label_text": r["label_text"]})
    return len(rows)


def scores(gold: list[str], predicted: list[str]) -> dict:
    """Accuracy and macro-F1 over the labels that occur in gold or predicted (scikit-learn's default)."""
    labels = sorted(set(gold) | set(predicted)); f1s = []
    for l in labels:
        tp = sum(g == l and p == l for g, p in zip(gold, predicted))
        fp = sum(g != l and p == l for g, p in zip(gold, predicted)); fn = sum(g == l and p != l for g, p in zip(gold, predicted))
        prec = tp / (tp + fp) if tp + fp else 0.0; rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return {"accuracy": sum(g == p for g, p in zip(gold, predicted)) / len(gold), "macro_f1": sum(f1s) / len(f1s)}


def rag(argv: list[str], threads: int) -> dict:
    r = common.run_process([str(RAG)] + argv + ["--threads", str(threads)], timeout=7200)
    if r["rc"] != 0:
        common.log("rag failed:", " ".join(argv[:3]), r["stderr"][-800:])
    return r


def classify(work: Path, test: Path, method: str, index: Path, model: list[str], threads: int) -> dict | None:
    out = work / f"{method}.jsonl"
    if rag(["classify", "--csv", str(test), "--method", method, "--index", str(index), "--out", str(out)] + model, threads)["rc"]:
        return None
    preds = [json.loads(l) for l in open(out)]
    return scores([p["gold"] for p in preds], [p["predicted"] for p in preds])


def run_contrastive(a, drawn: Path, test: Path, work: Path) -> dict | None:
    out = work / "contrastive-model"
    t = rag(["train", "encoder", "--objective", "contrastive", "--csv", str(drawn), "--validation", "0", "--seed", str(a.seed),
             "--out", str(out)] + a.model + shlex.split(a.rag_args), a.threads)
    if t["rc"]:
        return None
    report = json.loads((out / "training.json").read_text())
    m = {"stack": "localrag-contrastive", "train_s": t["wall_s"], "loop_s": sum(e["seconds"] for e in report["epochs"]),
         "epochs": len(report["epochs"]), "loss_per_epoch": [e["loss"] for e in report["epochs"]],
         "peak_rss_bytes": t["peak_rss_bytes"], "stdout": t["stdout"].strip()}
    index = work / "index-contrastive"
    if rag(["index", "build", "--csv", str(drawn), "--model-dir", str(out), "--index", str(index)], a.threads)["rc"]:
        return m
    for method in ("finetuned", "finetuned-blend"):
        m[method] = classify(work, test, method, index, ["--model-dir", str(out)], a.threads)
    return m


def run_head(a, drawn: Path, test: Path, work: Path) -> dict | None:
    index = work / "index-base"
    b = rag(["index", "build", "--csv", str(drawn), "--index", str(index)] + a.model, a.threads)
    if b["rc"]:
        return None
    t = rag(["train", "head", "--index", str(index)], a.threads)
    if t["rc"]:
        return None
    m = {"stack": "localrag-head", "train_s": b["wall_s"] + t["wall_s"], "peak_rss_bytes": max(b["peak_rss_bytes"] or 0, t["peak_rss_bytes"] or 0)}
    for method in ("head", "knn"):
        m[method] = classify(work, test, method, index, a.model, a.threads)
    return m


def run_setfit(a, drawn: Path, test: Path, work: Path, iterations: int, model_dir: Path) -> dict | None:
    script = common.shared_anchors_dir(a.shared_anchors) / "fewshot" / "setfit_anchor.py"
    out = work / f"setfit-{iterations}.json"
    # --per-label far above any label's size: the anchor takes every drawn row (its draw of a drawn set is the set).
    argv = [sys.executable, str(script), "--train", str(drawn), "--test", str(test), "--model", str(model_dir),
            "--per-label", "1000000", "--seed", str(a.seed), "--iterations", str(iterations), "--out", str(out)]
    env = dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS=str(a.threads))
    # SetFit's trainer writes checkpoints/ into its working folder: the draw's temporary one.
    r = common.run_process(argv, env=env, timeout=4 * 3600, cwd=str(work))
    if r["rc"] != 0 or not out.exists():
        common.log("setfit failed:", r["stderr"][-800:]); return None
    s = json.loads(out.read_text())
    return {"stack": f"setfit-{iterations}", "train_s": s["train_seconds"], "peak_rss_bytes": r["peak_rss_bytes"],
            "setfit": {"accuracy": s["accuracy"]}, "torch_threads": s["torch_threads"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-label-list", default="8,16"); ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--iterations-list", default="5"); ap.add_argument("--stacks", default="setfit,contrastive,head")
    ap.add_argument("--threads", type=int, default=2); ap.add_argument("--model-dir", default="models/all-MiniLM-L6-v2")
    ap.add_argument("--rag-args", default="", help="extra arguments for rag train encoder (quoted)")
    ap.add_argument("--shared-anchors"); ap.add_argument("--out")
    a = ap.parse_args()
    if not RAG.exists():
        sys.exit(f"{RAG} missing: run scripts/lib/build.sh first")
    model_dir = Path(a.model_dir).resolve()
    a.model = ["--model-dir", str(model_dir)]
    data = common.data_dir(); stacks = a.stacks.split(","); machine = common.machine_info(); runs = []
    for per_label in [int(x) for x in a.per_label_list.split(",")]:
        with tempfile.TemporaryDirectory(prefix="fewshot-") as tmp:
            work = Path(tmp); drawn = work / "drawn.csv"
            rows = draw(data / "train.csv", per_label, a.seed, drawn)
            common.log(f"{per_label} per label, seed {a.seed}: {rows} rows")
            for stack in stacks:
                found = ([run_setfit(a, drawn, data / "test.csv", work, int(i), model_dir) for i in a.iterations_list.split(",")]
                         if stack == "setfit" else
                         [run_contrastive(a, drawn, data / "test.csv", work) if stack == "contrastive" else run_head(a, drawn, data / "test.csv", work)])
                for m in found:
                    if not m: continue
                    m.update(per_label=per_label, rows=rows, seed=a.seed, threads=a.threads); runs.append(m)
                    common.log(json.dumps({k: v for k, v in m.items() if k != "stdout"}))
    header = ["per label", "stack", "method", "accuracy", "macro-F1", "training s", "peak RSS MiB"]
    body = []
    for m in runs:
        for method in ("setfit", "finetuned", "finetuned-blend", "head", "knn"):
            if m.get(method):
                body.append([m["per_label"], m["stack"], method, common.fixed(m[method]["accuracy"], 4),
                             common.fixed(m[method].get("macro_f1"), 4) if "macro_f1" in m[method] else "-",
                             common.fixed(m["train_s"], 1), common.fixed((m["peak_rss_bytes"] or 0) / 2**20, 0)])
    version = common.run_process([str(RAG), "--version"])["stdout"].strip().splitlines()
    machine["rag_version"] = version
    env = machine.get("env") or {}
    md = (common.table(header, body) + f"\n\nMachine: {machine.get('cpu', '?')}, {machine.get('nproc', '?')} cores; OPENBLAS_CORETYPE "
          f"{env.get('OPENBLAS_CORETYPE') or 'unset'} in the environment; {'; '.join(version[1:])}. Seed {a.seed}; {a.threads} threads; "
          f"rag train encoder extra arguments: {a.rag_args or 'none'}.")
    print(md)
    if a.out:
        common.write_outputs(Path(a.out), {"args": {k: v for k, v in vars(a).items() if k != "model"}, "machine": machine, "runs": runs}, md)


if __name__ == "__main__":
    main()
