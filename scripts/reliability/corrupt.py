#!/usr/bin/env python3
"""corrupt.py: damage a real built index (flat + IVF + head) one way at a time, check it is caught.

Builds `rag index build --csv data/train.csv --kind ivf --embedder hashing` then `rag train
head`, and for every file of the index: flips bytes at random offsets (and the first and last
byte), truncates (to 0, to half, by one byte), appends a byte, zero-fills (whole file, one 4 KiB
page), deletes it, and swaps it with another file of the index. The manifest gets its own cases:
version, dimension, count, embedder, format, a file's size or SHA-256, a dropped file entry,
invalid JSON. A last group damages a file *and* re-signs the manifest (new size and SHA-256), so
only the structural checks made at open can see it.

A case is caught when `rag index verify`, `rag query` or `rag classify --method head` exits
non-zero with a message naming the command to re-run (`rag index build` / `rag train head`),
and none of them dies of a signal. Usage:
    scripts/reliability/corrupt.py --rag .build-rel/release/rag [--flips 6] [--seed 7]
"""
import argparse, csv as csvmod, hashlib, json, os, random, shutil, subprocess, sys, tempfile

REMEDY = ("rag index build", "rag train head", "--embedder")



def manifest_key(manifest, kind):
    """The manifest's key for a file the cases name by kind ("rows" is "rows@<id>" in a segmented index)."""
    return next((k for k in manifest["files"] if k.split("@")[0] == kind), kind)

def segment_role(manifest, kind):
    """The manifest role of the first segment's file of `kind` (`kind@<id>`, or `kind` without segments)."""
    segments = manifest.get("segments")
    return f"{kind}@{segments[0]['id']}" if segments else kind

def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)

class Matrix:
    def __init__(self, rag, work, csv, seed):
        self.rag, self.work, self.rng = rag, work, random.Random(seed)
        self.pristine = os.path.join(work, "pristine")
        self.target = os.path.join(work, "target")
        self.results = []
        with open(csv, newline="") as f:
            records = list(csvmod.reader(f))
        self.small = os.path.join(work, "small.csv")
        with open(self.small, "w", newline="") as f:
            csvmod.writer(f).writerows(records[:21])
        if not os.path.exists(os.path.join(self.pristine, "manifest.json")):
            for cmd in (["index", "build", "--csv", csv, "--kind", "ivf", "--embedder", "hashing", "--index", self.pristine],
                        ["train", "head", "--index", self.pristine]):
                r = run([rag, *cmd])
                assert r.returncode == 0, r.stderr
        self.manifest = json.load(open(os.path.join(self.pristine, "manifest.json")))
        # A one-segment index lists its segment's files as "rows@<id>" ...: the cases name them "rows".
        self.files = {role.split("@")[0]: e["name"] for role, e in self.manifest["files"].items()}
        self.sizes = {role.split("@")[0]: e["bytes"] for role, e in self.manifest["files"].items()}

    # -- checks ---------------------------------------------------------------------------------
    def probe(self):
        """Runs verify, query (through the IVF part) and head classification on the target."""
        out = {}
        out["verify"] = run([self.rag, "index", "verify", "--index", self.target])
        out["query"] = run([self.rag, "query", "my card has not arrived", "-k", "5", "--index", self.target])
        out["exact"] = run([self.rag, "query", "my card has not arrived", "-k", "5", "--exact", "--index", self.target])
        out["head"] = run([self.rag, "classify", "--csv", self.small, "--method", "head", "--index", self.target])
        return out

    def case(self, group, name, damage, expect_caught=True):
        shutil.rmtree(self.target, ignore_errors=True)
        shutil.copytree(self.pristine, self.target)
        damage(self.target)
        out = self.probe()
        crashed = [k for k, r in out.items() if r.returncode < 0 or r.returncode >= 128]
        failing = {k: r for k, r in out.items() if r.returncode != 0}
        caught = bool(failing)
        told = all(any(s in (r.stdout + r.stderr) for s in REMEDY) for r in failing.values())
        by = ",".join(failing) or "-"
        ok = not crashed and (caught and told if expect_caught else (caught and told) or out["query"].returncode == 0)
        msg = ""
        if failing:
            r = next(iter(failing.values()))
            msg = (r.stderr.strip().splitlines() or r.stdout.strip().splitlines() or [""])[-1][:160]
        self.results.append(dict(group=group, case=name, caught=caught, told=told, crashed=crashed, by=by,
                                 expect_caught=expect_caught, ok=ok, message=msg))
        print(f"{'ok  ' if ok else 'FAIL'} {group:10s} {name:44s} caught_by={by:24s} {msg[:110]}", flush=True)

    # -- damage -----------------------------------------------------------------------------------
    def path(self, d, role):
        return os.path.join(d, self.files[role]) if role != "manifest" else os.path.join(d, "manifest.json")

    def flip(self, role, offset):
        def f(d):
            with open(self.path(d, role), "r+b") as fh:
                fh.seek(offset); b = fh.read(1); fh.seek(offset); fh.write(bytes([b[0] ^ 0xFF]))
        return f

    def truncate(self, role, size):
        def f(d):
            with open(self.path(d, role), "r+b") as fh:
                fh.truncate(size)
        return f

    def append(self, role):
        def f(d):
            with open(self.path(d, role), "ab") as fh:
                fh.write(b"\0")
        return f

    def zero(self, role, start, length):
        def f(d):
            with open(self.path(d, role), "r+b") as fh:
                fh.seek(start); fh.write(b"\0" * length)
        return f

    def delete(self, role):
        return lambda d: os.remove(self.path(d, role))

    def swap(self, a, b):
        def f(d):
            pa, pb = self.path(d, a), self.path(d, b)
            os.rename(pa, pa + ".swap"); os.rename(pb, pa); os.rename(pa + ".swap", pb)
        return f

    def edit_manifest(self, fn):
        def f(d):
            p = os.path.join(d, "manifest.json")
            m = json.load(open(p))
            fn(m)
            with open(p, "w") as fh:
                json.dump(m, fh, indent=2, sort_keys=True)
        return f

    def resign(self, role, damage):
        """Damages a file, then writes its new size and SHA-256 into the manifest."""
        def f(d):
            damage(d)
            p = self.path(d, role)
            data = open(p, "rb").read()
            def fix(m):
                m["files"][manifest_key(m, role)]["bytes"] = len(data)
                m["files"][manifest_key(m, role)]["sha256"] = hashlib.sha256(data).hexdigest()
            self.edit_manifest(fix)(d)
        return f

    def poke_u64(self, role, offset, value):
        def f(d):
            with open(self.path(d, role), "r+b") as fh:
                fh.seek(offset); fh.write(value.to_bytes(8, "little"))
        return f

    def poke_u32(self, role, offset, value):
        def f(d):
            with open(self.path(d, role), "r+b") as fh:
                fh.seek(offset); fh.write(value.to_bytes(4, "little"))
        return f

    # -- the matrix -------------------------------------------------------------------------------
    def run_all(self, flips):
        roles = sorted(self.files)
        for role in roles:
            size = self.sizes[role]
            offsets = sorted({0, size - 1, *[self.rng.randrange(size) for _ in range(flips)]})
            for off in offsets:
                self.case("flip", f"{role} byte {off}/{size}", self.flip(role, off))
            for new in sorted({0, size // 2, size - 1}):
                self.case("truncate", f"{role} to {new}/{size}", self.truncate(role, new))
            self.case("extend", f"{role} +1 byte", self.append(role))
            self.case("zero", f"{role} all {size} bytes", self.zero(role, 0, size))
            start = self.rng.randrange(max(1, size - 4096)) if size > 4096 else 0
            self.case("zero", f"{role} {min(4096, size)} bytes at {start}", self.zero(role, start, min(4096, size - start)))
            self.case("delete", f"{role}", self.delete(role))
        pairs = [("vectors", "ivf_vectors"), ("rows", "texts"), ("labels", "head"), ("ivf_centroids", "ivf_lists"),
                 ("vectors", "texts"), ("ivf_lists", "rows")]
        for a, b in pairs:
            if a in self.files and b in self.files:
                self.case("swap", f"{a} <-> {b}", self.swap(a, b))
        # The manifest itself.
        m = self.manifest
        edits = {
            "version 3": lambda x: x.update(version=3),
            "version 1 (rows of 24 bytes)": lambda x: x.update(version=1),
            "version 0": lambda x: x.update(version=0),
            "version \"1\" (string)": lambda x: x.update(version="1"),
            f"dimension {m['dimension'] - 1}": lambda x: x.update(dimension=m["dimension"] - 1),
            f"dimension {m['dimension'] * 2}": lambda x: x.update(dimension=m["dimension"] * 2),
            "dimension 0": lambda x: x.update(dimension=0),
            "dimension -384": lambda x: x.update(dimension=-384),
            f"count {m['count'] + 1}": lambda x: x.update(count=m["count"] + 1),
            f"count {m['count'] - 1}": lambda x: x.update(count=m["count"] - 1),
            "count -1": lambda x: x.update(count=-1),
            "count 2^62": lambda x: x.update(count=2**62),
            "embedder hashing:other": lambda x: x.update(embedder="hashing:other-v9"),
            "embedder minilm (other model)": lambda x: x.update(embedder="minilm:all-MiniLM-L6-v2:sha256=" + "0" * 64),
            "embedder unknown kind": lambda x: x.update(embedder="word2vec:v1"),
            "format other": lambda x: x.update(format="faiss-index"),
            "metric l2": lambda x: x.update(metric="l2"),
            "no files key": lambda x: x.pop("files"),
            "vectors entry dropped": lambda x: x["files"].pop(segment_role(x, "vectors")),
            "ivf_lists entry dropped": lambda x: x["files"].pop(segment_role(x, "ivf_lists")),
            "head entry dropped": lambda x: x["files"].pop("head"),
            "vectors sha256 changed": lambda x: x["files"][segment_role(x, "vectors")].update(sha256="0" * 64),
            "rows bytes +32": lambda x: x["files"][segment_role(x, "rows")].update(bytes=x["files"][segment_role(x, "rows")]["bytes"] + 32),
            "texts name -> ../outside": lambda x: x["files"][segment_role(x, "texts")].update(name="../outside.bin"),
            "segment rows +1": lambda x: x["segments"][0].update(rows=x["segments"][0]["rows"] + 1),
            "segments dropped": lambda x: x.pop("segments"),
            "kinds without flat/ivf": lambda x: x.update(kinds=["head"]),
            "ivf.nprobe 0": lambda x: x["settings"].update({"ivf.nprobe": "0"}),
            "ivf.nprobe 100000": lambda x: x["settings"].update({"ivf.nprobe": "100000"}),
        }
        # Harmless by design, so only "no crash, queries still answer" is required: `kinds` only selects
        # parts (flat is always there), and nprobe is clamped to 1...nlist.
        tolerated = {"kinds without flat/ivf", "ivf.nprobe 0", "ivf.nprobe 100000"}
        for name, fn in edits.items():
            self.case("manifest", name, self.edit_manifest(fn), expect_caught=name not in tolerated)
        msize = os.path.getsize(os.path.join(self.pristine, "manifest.json"))
        self.case("manifest", "truncated to half", self.truncate("manifest", msize // 2))
        self.case("manifest", "empty", self.truncate("manifest", 0))
        self.case("manifest", "deleted", self.delete("manifest"))
        for off in sorted(self.rng.randrange(msize) for _ in range(flips)):
            # A flipped manifest byte may land in the `created` date: harmless, not required to be caught.
            self.case("manifest", f"byte {off}/{msize} flipped", self.flip("manifest", off), expect_caught=False)
        # Damage that keeps size and checksum consistent (re-signed): only open's structure checks can see it.
        count, dim = m["count"], m["dimension"]
        nlist = int(m["settings"].get("ivf.nlist", "1"))
        re = {
            "rows: row 5 text offset past end": ("rows", self.poke_u64("rows", 5 * 32, 1 << 40)),
            "rows: row 7 offset 2^63 (negative)": ("rows", self.poke_u64("rows", 7 * 32, 1 << 63)),
            "rows: row 9 length 0xFFFFFFFF": ("rows", self.poke_u32("rows", 9 * 32 + 8, 0xFFFFFFFF)),
            "rows: row 13 id length 2^31": ("rows", self.poke_u32("rows", 13 * 32 + 24, 1 << 31)),
            "rows: row 11 label 999999": ("rows", self.poke_u32("rows", 11 * 32 + 12, 999999)),
            "rows: one row short": ("rows", self.truncate("rows", (count - 1) * 32)),
            "labels: not JSON": ("labels", self.truncate("labels", 3)),
            "labels: empty list": ("labels", lambda d: open(self.path(d, "labels"), "w").write("[]")),
            "texts: invalid UTF-8": ("texts", self.flip("texts", 0)),
            "texts: shorter": ("texts", self.truncate("texts", 100)),
            "vectors: NaN in row 0": ("vectors", lambda d: open(self.path(d, "vectors"), "r+b").write(b"\x00\x00\xc0\x7f")),
            "vectors: one row short": ("vectors", self.truncate("vectors", (count - 1) * dim * 4)),
            "ivf_lists: bad magic": ("ivf_lists", self.zero("ivf_lists", 0, 8)),
            "ivf_lists: version 2": ("ivf_lists", self.poke_u32("ivf_lists", 8, 2)),
            "ivf_lists: dimension 7": ("ivf_lists", self.poke_u32("ivf_lists", 12, 7)),
            "ivf_lists: nlist 0": ("ivf_lists", self.poke_u64("ivf_lists", 16, 0)),
            "ivf_lists: nlist 2^62": ("ivf_lists", self.poke_u64("ivf_lists", 16, 1 << 62)),
            "ivf_lists: count +1": ("ivf_lists", self.poke_u64("ivf_lists", 24, count + 1)),
            "ivf_lists: offset[1] huge": ("ivf_lists", self.poke_u64("ivf_lists", 32 + 8, 1 << 60)),
            "ivf_lists: offset[0] = 1": ("ivf_lists", self.poke_u64("ivf_lists", 32, 1)),
            "ivf_lists: id 0 -> count": ("ivf_lists", self.poke_u32("ivf_lists", 32 + 8 * (nlist + 1), count)),
            "ivf_lists: id 0 -> 0xFFFFFFFF": ("ivf_lists", self.poke_u32("ivf_lists", 32 + 8 * (nlist + 1), 0xFFFFFFFF)),
            "ivf_lists: ids 0 and 1 equal": ("ivf_lists", lambda d: self._dup_id(d, nlist)),
            "ivf_centroids: one short": ("ivf_centroids", self.truncate("ivf_centroids", (nlist - 1) * dim * 4)),
            "ivf_vectors: one row short": ("ivf_vectors", self.truncate("ivf_vectors", (count - 1) * dim * 4)),
            "head: bad magic": ("head", self.zero("head", 0, 8)),
            "head: truncated by 4": ("head", self.truncate("head", m["files"]["head"]["bytes"] - 4)),
            "head: class count 0xFFFFFFFF": ("head", self.poke_u32("head", 12, 0xFFFFFFFF)),
            "head: labels length 0xFFFFFFFF": ("head", self.poke_u32("head", 16, 0xFFFFFFFF)),
            "head: dimension 0": ("head", self.poke_u32("head", 8, 0)),
        }
        for name, (role, dmg) in re.items():
            # Re-signed float data (NaN) and invalid UTF-8 (read with replacement characters) are not
            # structural: only "no crash" is required.
            self.case("re-signed", name, self.resign(role, dmg),
                      expect_caught=name not in ("vectors: NaN in row 0", "texts: invalid UTF-8"))

    def _dup_id(self, d, nlist):
        p = self.path(d, "ivf_lists")
        with open(p, "r+b") as fh:
            base = 32 + 8 * (nlist + 1)
            fh.seek(base); first = fh.read(4); fh.seek(base + 4); fh.write(first)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rag", default=".build-rel/release/rag")
    ap.add_argument("--csv", default="data/train.csv")
    ap.add_argument("--flips", type=int, default=6, help="random byte flips per file")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", default=None)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="rag-corrupt-")
    os.makedirs(work, exist_ok=True)
    mx = Matrix(os.path.abspath(a.rag), work, os.path.abspath(a.csv), a.seed)
    mx.run_all(a.flips)
    res = mx.results
    required = [r for r in res if r["expect_caught"]]
    print(f"\ncases: {len(res)}; required to be caught: {len(required)}, caught with a remedy: "
          f"{sum(r['caught'] and r['told'] for r in required)}; crashes: {sum(bool(r['crashed']) for r in res)}; "
          f"failed: {sum(not r['ok'] for r in res)}")
    if a.json:
        json.dump(res, open(a.json, "w"), indent=1)
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if all(r["ok"] for r in res) else 1)

if __name__ == "__main__":
    main()
