#!/usr/bin/env python3
"""store_costs.py: what an append, a delete and a compaction cost an index folder, against its size.

For each size (default 100,000 and 1,000,000 rows of synthetic text, hashing embedder: the store's
costs, not the encoder's): build the index once per binary, then per run copy it, time
`rag index add --csv 1000.csv` (median of --runs) and count the bytes it wrote (the files that
were not there before, manifest included). With --old-rag (a build from before segments, whose add
rewrote the whole index), the same for it, alternating, beside. Then, with the new binary only:
delete 10% of the rows (time, bytes written), compact (time, disk before and after).

Usage: Benchmarks/anchors/store_costs.py --rag .build/release/rag [--old-rag OLD/rag] [--sizes 100000,1000000]
       [--runs 3] [--work DIR] [--json out.json]
Prints a Markdown table; the CPU model and BLAS core are read from `rag --version`.
"""
import argparse, json, os, random, shutil, statistics, subprocess, sys, tempfile, time

WORDS = ("card account transfer payment refund balance limit cash exchange rate pin app phone top up fee "
         "charge declined pending arrived delivery verify identity freeze cancel order travel abroad atm").split()


def write_csv(path, rows, start, seed):
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write("id,text,label_text\n")
        for i in range(start, start + rows):
            text = " ".join(rng.choice(WORDS) for _ in range(8))
            f.write(f"r{i},row {i} {text},l{i % 50}\n")


def folder_files(folder):
    return {n: os.path.getsize(os.path.join(folder, n)) for n in os.listdir(folder) if not n.startswith(".")}


def run(cmd):
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {r.stderr}")
    return elapsed


def timed_write(rag, base, scratch, args):
    """Copies `base` to `scratch`, runs `rag args` on it; returns (seconds, bytes of new files, disk after)."""
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(base, scratch)
    subprocess.run(["sync"])
    before = folder_files(scratch)
    seconds = run([rag, *[a.replace("{DIR}", scratch) for a in args]])
    after = folder_files(scratch)
    written = sum(size for name, size in after.items() if name not in before or name == "manifest.json")
    return seconds, written, sum(after.values())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rag", required=True)
    ap.add_argument("--old-rag", default=None)
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default=None)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="store-costs-")
    os.makedirs(work, exist_ok=True)
    binaries = {"segments (this build)": os.path.abspath(a.rag)}
    if a.old_rag:
        binaries["copy on append (before)"] = os.path.abspath(a.old_rag)
    version = subprocess.run([binaries["segments (this build)"], "--version"], capture_output=True, text=True).stdout.strip()
    results = {"version": version, "sizes": []}
    add_csv = os.path.join(work, "add.csv")
    for size in [int(s) for s in a.sizes.split(",")]:
        csv = os.path.join(work, f"rows-{size}.csv")
        if not os.path.exists(csv):
            write_csv(csv, size, 0, seed=size)
        write_csv(add_csv, 1000, 10_000_000, seed=7)
        entry = {"rows": size, "append": {}, "delete": None, "compact": None}
        bases = {}
        for name, rag in binaries.items():
            base = os.path.join(work, f"base-{size}-{len(bases)}")
            if not os.path.exists(os.path.join(base, "manifest.json")):
                args = [rag, "index", "build", "--csv", csv, "--embedder", "hashing", "--index", base]
                if name.startswith("segments"):
                    args += ["--id-column", "id"]
                entry.setdefault("build_seconds", {})[name] = run(args)
            bases[name] = base
        samples = {name: [] for name in binaries}
        for _ in range(a.runs):   # alternating, so drift hits both sides alike
            for name, rag in binaries.items():
                scratch = os.path.join(work, "scratch")
                add = ["index", "add", "--csv", add_csv, "--index", "{DIR}"] + (["--id-column", "id"] if name.startswith("segments") else [])
                samples[name].append(timed_write(rag, bases[name], scratch, add))
        for name, s in samples.items():
            entry["append"][name] = {"seconds_median": statistics.median(x[0] for x in s), "seconds": [x[0] for x in s],
                                     "bytes_written": s[0][1], "disk_bytes": s[0][2]}
        # Delete 10% (every tenth id), then compact: this build only.
        rag = binaries["segments (this build)"]
        ids = os.path.join(work, "ids.txt")
        with open(ids, "w") as f:
            f.write("\n".join(f"r{i}" for i in range(0, size, 10)) + "\n")
        deleted = os.path.join(work, "deleted")
        seconds, written, disk = timed_write(rag, bases["segments (this build)"], deleted,
                                             ["index", "delete", "--ids-file", ids, "--compact-above", "1", "--index", "{DIR}"])
        entry["delete"] = {"rows": (size + 9) // 10, "seconds": seconds, "bytes_written": written, "disk_bytes": disk}
        seconds, written, disk_after = timed_write(rag, deleted, os.path.join(work, "compacted"), ["index", "compact", "--index", "{DIR}"])
        entry["compact"] = {"seconds": seconds, "bytes_written": written, "disk_before": disk, "disk_after": disk_after}
        results["sizes"].append(entry)
        for folder in ("scratch", "deleted", "compacted"):
            shutil.rmtree(os.path.join(work, folder), ignore_errors=True)
        print(json.dumps(entry), flush=True)
    print()
    print(version.splitlines()[0] if version else "")
    print("| rows | binary | append 1,000 rows: median s (runs) | bytes written | index on disk |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for e in results["sizes"]:
        for name, r in e["append"].items():
            print(f"| {e['rows']:,} | {name} | {r['seconds_median']:.3f} ({', '.join(f'{x:.3f}' for x in r['seconds'])}) | {r['bytes_written']:,} | {r['disk_bytes']:,} |")
    print()
    print("| rows | delete 10%: s | bytes written | compact: s | disk before | disk after |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for e in results["sizes"]:
        d, c = e["delete"], e["compact"]
        print(f"| {e['rows']:,} | {d['seconds']:.3f} | {d['bytes_written']:,} | {c['seconds']:.3f} | {c['disk_before']:,} | {c['disk_after']:,} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
