#!/usr/bin/env python3
"""crash.py: SIGKILL `rag index build | add | upsert | delete | compact` at many moments and check what is left.

After every kill the index folder must pass `rag index verify` (exit 0), answer `rag query`,
and be either the old index or the complete new one (same row count, parts and file SHA-256s
as an uninterrupted run). Every few kills the command is re-run to completion to check that
recovery works (lock released, leftovers of the dead generation cleaned up). For the row changes,
the ids the index answers with are checked too: no id twice, no deleted id back.

Two kinds of kill:
  random   SIGKILL after a random delay in [0, 1.05 x the uninterrupted run time]; a third of
           them are aimed at the last 15% of the run, where the commit happens.
  syscall  strace injects SIGKILL on entry to the N-th fsync / rename / unlink / ftruncate of the
           run, for every N (the commit sequence, one step at a time).

Usage: scripts/reliability/crash.py --rag .build-rel/release/rag [--kills 50] [--seed 1]
"""
import argparse, csv as csvmod, json, os, random, shutil, signal, subprocess, sys, tempfile, time

def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)

def fingerprint(folder):
    """(count, kinds, {role: sha256}) of the index the manifest names, or None when there is none."""
    try:
        with open(os.path.join(folder, "manifest.json")) as f:
            m = json.load(f)
    except FileNotFoundError:
        return None
    return (m["count"], tuple(m["kinds"]), tuple(sorted((r, e["sha256"]) for r, e in m["files"].items())))

def leftovers(folder):
    """Files in the folder the manifest does not name (a dead writer's generation)."""
    try:
        with open(os.path.join(folder, "manifest.json")) as f:
            named = {e["name"] for e in json.load(f)["files"].values()}
    except FileNotFoundError:
        named = set()
    if not os.path.isdir(folder):   # a first build killed before it made the folder
        return []
    return sorted(n for n in os.listdir(folder) if n not in named | {"manifest.json", ".lock", "README.md"})

class Harness:
    def __init__(self, rag, work, csv, seed):
        self.rag, self.work, self.rng = rag, work, random.Random(seed)
        self.results = []
        os.makedirs(work, exist_ok=True)
        with open(csv, newline="") as f:
            header, *body = list(csvmod.reader(f))   # records, not lines: texts may hold newlines
        half = len(body) // 2
        self.csv_full = csv
        self.csv_old = os.path.join(work, "old.csv")      # first 1000 rows: the index a build replaces
        self.csv_base = os.path.join(work, "base.csv")    # first half: the index `add` extends
        self.csv_more = os.path.join(work, "more.csv")    # second half: what `add` appends
        # `upsert`: a file of the same name as base.csv (so its derived ids base.csv:N match), its
        # first 1,000 rows relabelled (replacing) and 500 rows past the base (added).
        os.makedirs(os.path.join(work, "upsert"), exist_ok=True)
        self.csv_upsert = os.path.join(work, "upsert", "base.csv")
        li = header.index("label_text")
        relabelled = [r[:li] + [r[li] + "_v2"] + r[li + 1:] for r in body[:1000]]
        # Each written file carries a metadata column, so segments' metadata files are written and killed too.
        for path, rows in [(self.csv_old, body[:1000]), (self.csv_base, body[:half]), (self.csv_more, body[half:]),
                           (self.csv_upsert, relabelled + body[1000:half + 500])]:
            with open(path, "w", newline="") as f:
                csvmod.writer(f).writerows([header + ["bucket"], *[r + [str(i % 10)] for i, r in enumerate(rows)]])
        # `delete`: 1,000 of the base's ids (every third row).
        self.ids_delete = os.path.join(work, "delete-ids.txt")
        self.deleted_ids = {f"base.csv:{i}" for i in range(0, 3000, 3)}
        with open(self.ids_delete, "w") as f:
            f.write("\n".join(sorted(self.deleted_ids)) + "\n")

    def rag_cmd(self, *args):
        return [self.rag, *args]

    def pristine(self, name, csv, kind, then=None):
        folder = os.path.join(self.work, "pristine-" + name)
        if not os.path.exists(os.path.join(folder, "manifest.json")):
            r = run(self.rag_cmd("index", "build", "--csv", csv, "--kind", kind, "--embedder", "hashing", "--metadata-columns", "bucket",
                                 "--index", folder))
            assert r.returncode == 0, r.stderr
            if then:   # e.g. deletions for `compact` to remove
                r = run(self.rag_cmd(*[a.replace("{DIR}", folder) for a in then]))
                assert r.returncode == 0, r.stderr
        return folder

    def ids_answered(self, target):
        """Every id `rag query --csv` returns for 40 queries (k 50, exact), as a list (repeats kept)."""
        q = os.path.join(self.work, "queries.csv")
        if not os.path.exists(q):
            with open(self.csv_full, newline="") as f:
                header, *body = list(csvmod.reader(f))
            with open(q, "w", newline="") as f:
                csvmod.writer(f).writerows([header, *body[-40:]])
        r = run(self.rag_cmd("query", "--csv", q, "-k", "50", "--exact", "--index", target))
        if r.returncode != 0:
            return None
        return [[n.get("id") for n in json.loads(line)["neighbours"]] for line in r.stdout.splitlines()]

    def scenario(self, name, old_csv, old_kind, args, then=None):
        """Returns (old pristine folder, command with {DIR}, new fingerprint, uninterrupted seconds)."""
        old = self.pristine(name, old_csv, old_kind, then) if old_csv else None
        times, prints = [], set()
        for _ in range(2):   # twice: the new index must be reproducible for the old-or-new check
            target = self.fresh(old, name)
            t0 = time.monotonic()
            r = run(self.rag_cmd(*[a.replace("{DIR}", target) for a in args]))
            times.append(time.monotonic() - t0)
            assert r.returncode == 0, r.stderr
            prints.add(fingerprint(target))
        assert len(prints) == 1, f"{name}: two uninterrupted runs gave different indexes; old-or-new check impossible"
        return old, args, prints.pop(), min(times)

    def fresh(self, old, name):
        target = os.path.join(self.work, "target-" + name)
        shutil.rmtree(target, ignore_errors=True)
        if old:
            shutil.copytree(old, target)
        return target

    def check(self, name, how, target, old_print, new_print, args, recover):
        v = run(self.rag_cmd("index", "verify", "--index", target))
        state = fingerprint(target)
        if state is None and old_print is None:
            # No index before, none after: verify must say so and name the command to run.
            ok = v.returncode != 0 and "rag index build" in v.stderr
            which = "none"
        else:
            which = "old" if state == old_print else "new" if state == new_print else "OTHER"
            ok = v.returncode == 0 and which != "OTHER"
            if ok:
                answered = self.ids_answered(target)
                ok = answered is not None and all(len(ids) == len(set(ids)) for ids in answered)
                if ok and name in ("delete", "compact") and which == "new":
                    ok = not any(i in self.deleted_ids for ids in answered for i in ids)
        left = leftovers(target)
        recovered = None
        if recover:
            r = run(self.rag_cmd(*[a.replace("{DIR}", target) for a in args]))
            v2 = run(self.rag_cmd("index", "verify", "--index", target))
            # An `add` re-run on the new index is refused (its ids are stored): only that is checked then.
            refused_again = name == "add" and which == "new" and r.returncode == 1 and "already in the index" in r.stderr
            recovered = ((r.returncode == 0 or refused_again) and v2.returncode == 0 and not leftovers(target)
                         and (fingerprint(target) == new_print or which == "new"))
            ok = ok and recovered
        self.results.append(dict(scenario=name, how=how, state=which, verify=v.returncode, ok=ok,
                                 leftovers=len(left), recovered=recovered,
                                 detail=(v.stdout + v.stderr)[-300:] if not ok else ""))
        mark = "ok  " if ok else "FAIL"
        print(f"{mark} {name:12s} {how:28s} -> {which:4s} verify={v.returncode} leftovers={len(left)}"
              + ("" if recovered is None else f" recovered={recovered}"), flush=True)

    def random_kills(self, name, old_csv, old_kind, args, kills, then=None):
        old, args, new_print, seconds = self.scenario(name, old_csv, old_kind, args, then)
        old_print = fingerprint(old) if old else None
        print(f"# {name}: uninterrupted run {seconds:.2f} s; {kills} random kills", flush=True)
        for i in range(kills):
            delay = self.rng.uniform(0.85, 1.02) * seconds if i % 3 == 2 else self.rng.uniform(0, 1.05) * seconds
            target = self.fresh(old, name)
            p = subprocess.Popen(self.rag_cmd(*[a.replace("{DIR}", target) for a in args]),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            finished = p.poll() is not None
            if not finished:
                p.send_signal(signal.SIGKILL)
            p.wait()
            how = f"t={delay:.3f}s " + ("(finished first)" if finished else "SIGKILL")
            self.check(name, how, target, old_print, new_print, args, recover=(i % 5 == 4))

    def syscall_kills(self, name, old_csv, old_kind, args, then=None, syscalls=("fsync", "rename", "unlink", "unlinkat", "ftruncate", "renameat", "renameat2")):
        old, args, new_print, _ = self.scenario(name, old_csv, old_kind, args, then)
        old_print = fingerprint(old) if old else None
        # Count each syscall in an uninterrupted run (main thread and BLAS threads alike: -f).
        target = self.fresh(old, name)
        r = run(["strace", "-f", "-qq", "-c", "-e", "trace=" + ",".join(syscalls), "-o", os.path.join(self.work, "counts.txt"),
                 *self.rag_cmd(*[a.replace("{DIR}", target) for a in args])])
        assert r.returncode == 0, r.stderr
        counts = {}
        for line in open(os.path.join(self.work, "counts.txt")):
            parts = line.split()
            if len(parts) >= 5 and parts[-1] in syscalls and parts[3].isdigit():
                counts[parts[-1]] = int(parts[3])
        print(f"# {name}: syscalls in an uninterrupted run: {counts}", flush=True)
        for sc, n in sorted(counts.items()):
            for when in range(1, n + 1):
                target = self.fresh(old, name)
                run(["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=" + sc,
                     "-e", f"inject={sc}:signal=SIGKILL:when={when}",
                     *self.rag_cmd(*[a.replace("{DIR}", target) for a in args])])
                self.check(name, f"kill at {sc} #{when}/{n}", target, old_print, new_print, args, recover=(when == n))

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rag", default=".build-rel/release/rag")
    ap.add_argument("--csv", default="data/train.csv")
    ap.add_argument("--kills", type=int, default=50, help="random kills per command")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", default=None, help="scratch folder (default: a new temp folder, removed after)")
    ap.add_argument("--no-syscall", action="store_true", help="skip the strace-injected kills")
    ap.add_argument("--json", default=None, help="write every case's result here")
    a = ap.parse_args()
    rag = os.path.abspath(a.rag)
    work = a.work or tempfile.mkdtemp(prefix="rag-crash-")
    h = Harness(rag, work, os.path.abspath(a.csv), a.seed)
    build = ["index", "build", "--csv", h.csv_full, "--kind", "ivf", "--embedder", "hashing", "--index", "{DIR}"]
    add = ["index", "add", "--csv", h.csv_more, "--metadata-columns", "bucket", "--index", "{DIR}"]
    # One commit each (--compact-above 1: no compaction after), so old-or-new is the whole check.
    upsert = ["index", "upsert", "--csv", h.csv_upsert, "--metadata-columns", "bucket", "--compact-above", "1", "--index", "{DIR}"]
    delete = ["index", "delete", "--ids-file", h.ids_delete, "--compact-above", "1", "--index", "{DIR}"]
    compact = ["index", "compact", "--index", "{DIR}"]
    changes = [("upsert", upsert, None), ("delete", delete, None), ("compact", compact, delete)]
    h.random_kills("build", h.csv_old, "flat", build, a.kills)
    h.random_kills("add", h.csv_base, "ivf", add, a.kills)
    h.random_kills("build-fresh", None, None, build, max(5, a.kills // 5))
    for name, args, then in changes:
        h.random_kills(name, h.csv_base, "ivf", args, a.kills, then)
    if not a.no_syscall and shutil.which("strace"):
        h.syscall_kills("build", h.csv_old, "flat", build)
        h.syscall_kills("add", h.csv_base, "ivf", add)
        for name, args, then in changes:
            h.syscall_kills(name, h.csv_base, "ivf", args, then)
    total = len(h.results)
    good = sum(r["ok"] for r in h.results)
    killed = sum("finished first" not in r["how"] for r in h.results)
    states = {}
    for r in h.results:
        states[(r["scenario"], r["state"])] = states.get((r["scenario"], r["state"]), 0) + 1
    print(f"\ncases: {total} ({killed} killed mid-run), intact: {good}, failed: {total - good}")
    print("left as:", ", ".join(f"{s}/{w}: {n}" for (s, w), n in sorted(states.items())))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(h.results, f, indent=1)
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if good == total else 1)

if __name__ == "__main__":
    main()
