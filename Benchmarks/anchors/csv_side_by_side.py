#!/usr/bin/env python3
"""CSV reading: LocalRAG's own reader beside swiftcsv/SwiftCSV 0.10.0 (two ways), yaslab/CSV.swift 2.5.2 and
Python's csv module, in the same run on the same files.

For every file, --rounds fresh processes per parser (`localrag-bench csv --parser P`, and this script's
`--worker python` for csv.DictReader), in an order that rotates from file to file. Each process does
a correctness pass (row count and FNV-1a 64 over every row's UTF-8 text, 0x1F, UTF-8 label_text,
0x1E: the fingerprint of scripts/fixtures/csv-fixture.py, checked against
Tests/RAGTests/Fixtures/csv_fingerprints.json) and --reps timed passes, each reading the file from
disk again (page cache warm); the table has the median. Peak RSS is the process's VmHWM.

Then the malformed inputs (unterminated quote, quote inside an unquoted field, invalid UTF-8, ragged
rows) and a few valid edge cases, one process each: error with a line number, error without one,
silently accepted (what came out), or a crash (the signal).

--scale K also builds a file of K copies of corpus_large.csv's rows (one header) in --tmp and
measures it, to show how each parser's peak RSS grows with the file.

Usage (from the repository root; only the standard library is needed):
  python3 Benchmarks/anchors/csv_side_by_side.py              # 3 files + x20; 3 processes x 5 passes; malformed
  python3 Benchmarks/anchors/csv_side_by_side.py --scale 0 --rounds 1 --reps 3 --out /tmp/csv_smoke.json
Output: Benchmarks/results/csv_side_by_side.{json,md}.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as C  # noqa: E402

SWIFT_PARSERS = ("localrag", "localrag-records", "swiftcsv", "swiftcsv-callback", "csv.swift")
PARSERS = SWIFT_PARSERS + ("python",)
LABEL = {
    "localrag": "LocalRAG `Dataset.forEachBatch`",
    "localrag-records": "LocalRAG `CSVReader` (records)",
    "swiftcsv": "SwiftCSV 0.10.0 `EnumeratedCSV.rows`",
    "swiftcsv-callback": "SwiftCSV 0.10.0 `enumerateAsArray`",
    "csv.swift": "CSV.swift 2.5.2 `CSVReader(stream:)`",
    "python": "Python 3 `csv.DictReader` (reference)",
}
STREAMING = {"localrag": "yes (1 MiB chunks)", "localrag-records": "yes (1 MiB chunks)",
             "swiftcsv": "**no**: whole file as one String, all rows built first",
             "swiftcsv-callback": "**no**: whole file as one String",
             "csv.swift": "yes (64 KiB blocks)", "python": "yes"}
DEFAULT_FILES = [C.REPO / "data" / "train.csv", C.REPO / "data" / "test.csv",
                 C.REPO.parent / "shared" / "data" / "corpus_large.csv"]
FIXTURES = C.REPO / "Tests" / "RAGTests" / "Fixtures" / "csv_fingerprints.json"

# Malformed inputs (bytes) and valid edge cases; each has the header text,label_text.
MALFORMED = {
    "unterminated_quote": b'text,label_text\nhello,a\n"never closed,b\nx,c\n',
    "quote_in_unquoted": b'text,label_text\nfine,a\nsay "hi" now,b\nlast,c\n',
    "invalid_utf8": b'text,label_text\nok,a\nbad \xff\xfe byte,b\nlast,c\n',
    "ragged_row": b'text,label_text\na,b\nonly-one-field\nc,d,e\nlast,f\n',
}
EDGE = {
    "crlf_bom": b'\xef\xbb\xbftext,label_text\r\n"two\r\nlines",a\r\nplain,b\r\n',
    "leading_space": b'text,label_text\n  indented text,a\n"  quoted indent",b\n',
    "u2028_in_unquoted": 'text,label_text\nline\u2028separator,a\nnext,b\n'.encode(),
    "combining_after_comma": 'text,label_text\nx,\u0301accent first\nnext,b\n'.encode(),
}
EDGE_EXPECT = {  # the fields RFC 4180 gives (Python reads these too, but for the BOM under encoding="utf-8")
    "crlf_bom": [("two\r\nlines", "a"), ("plain", "b")],
    "leading_space": [("  indented text", "a"), ("  quoted indent", "b")],
    "u2028_in_unquoted": [("line\u2028separator", "a"), ("next", "b")],
    "combining_after_comma": [("x", "\u0301accent first"), ("next", "b")],
}


class Fingerprint:
    """FNV-1a 64 of scripts/fixtures/csv-fixture.py: per row UTF-8 text, 0x1F, UTF-8 label_text, 0x1E."""

    def __init__(self):
        self.h, self.rows = 0xCBF29CE484222325, 0

    def add(self, text: str, label: str | None):
        h = self.h
        for b in text.encode() + b"\x1f" + (label or "").encode() + b"\x1e":
            h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        self.h, self.rows = h, self.rows + 1

    @property
    def hex(self) -> str:
        return f"{self.h:016x}"


def fnv_rows(rows) -> tuple[int, str]:
    fp = Fingerprint()
    for text, label in rows:
        fp.add(text, label)
    return fp.rows, fp.hex


def last_json(text: str) -> dict | None:
    """The last JSON line of `text`. Split on \\n only: str.splitlines() also splits on U+2028 and
    U+0085, which a JSON encoder may leave raw inside strings (one of the edge cases has U+2028)."""
    for line in reversed((text or "").strip().split("\n")):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def vm_hwm() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


# ----------------------------------------------------------------------------------------------
# worker: csv.DictReader in this process, the same JSON shape as `localrag-bench csv`
# ----------------------------------------------------------------------------------------------

def worker_python(a) -> int:
    path = a.file
    size = os.path.getsize(path)
    out = {"bench": "csv", "parser": "python", "package": f"Python {sys.version.split()[0]} csv",
           "api": "csv.DictReader(open(path, newline='', encoding='utf-8'))", "streaming": True,
           "file": path, "file_bytes": size, "reps": a.reps}
    fp, sample, err, line = Fingerprint(), [], None, None
    try:
        with open(path, newline="", encoding="utf-8") as f:
            r = csv.DictReader(f)
            for d in r:
                fp.add(d.get(a.text_column) or "", d.get(a.label_column))
                if len(sample) < a.sample:
                    sample.append({"text": (d.get(a.text_column) or "")[:60], "label": d.get(a.label_column),
                                   "fields": sum(1 for k, v in d.items() if k is not None and v is not None)
                                             + len(d.get(None) or [])})
                line = r.line_num
    except Exception as e:  # noqa: BLE001 -- the reference's behaviour is what is reported
        err = f"{type(e).__name__}: {e}" + (f" (after line {line})" if line else "")
    n, h = fp.rows, fp.hex
    out.update({"rows": n, "fnv1a64": h})
    if a.sample:
        out["sample"] = sample
    if a.expect_fnv:
        out["fingerprint_ok"] = err is None and h == a.expect_fnv and n == a.expect_rows
    if err:
        out["error"] = err
        out["peak_rss_bytes"] = vm_hwm()
        print(json.dumps(out))
        return 3
    times, cpus = [], []
    for _ in range(a.reps):
        t0, c0 = time.perf_counter(), time.process_time()
        k = s = 0
        with open(path, newline="", encoding="utf-8") as f:
            for d in csv.DictReader(f):
                k += 1
                s += len(d[a.text_column]) + len(d[a.label_column] or "")
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        assert k == n
    if times:
        w = statistics.median(times)
        out["timed"] = {"times_s": times, "median_s": w, "rows_per_s": n / w, "mb_per_s": size / w / 1e6,
                        "cpu_s": cpus, "median_cpu_s": statistics.median(cpus),
                        "rows_per_cpu_s": n / statistics.median(cpus)}
    out["peak_rss_bytes"] = vm_hwm()
    print(json.dumps(out))
    return 0


# ----------------------------------------------------------------------------------------------
# driver
# ----------------------------------------------------------------------------------------------

def machine_busy(seconds: float = 1.0) -> float:
    """Cores busy machine-wide over `seconds` (this idle driver's share is negligible)."""
    def sample():
        with open("/proc/stat") as f:
            v = [float(x) for x in f.readline().split()[1:]]
        return v[0] + v[1] + v[2] + v[5] + v[6]
    b0, t0 = sample(), time.perf_counter()
    time.sleep(seconds)
    return (sample() - b0) / os.sysconf("SC_CLK_TCK") / (time.perf_counter() - t0)


def run_one(a, binary: Path, parser: str, path: Path, reps: int, expect: dict | None, sample: int = 0,
            wait: bool = True) -> dict:
    quiet = None
    if wait and a.wait_quiet > 0:
        t_w = time.perf_counter()
        busy = machine_busy()
        while busy > a.quiet_cores and time.perf_counter() - t_w < a.wait_quiet:
            busy = machine_busy(2.0)
        quiet = {"waited_s": round(time.perf_counter() - t_w, 1), "others_before": busy}
    if parser == "python":
        argv = [sys.executable, os.path.abspath(__file__), "--worker", "python", "--file", str(path),
                "--reps", str(reps), "--sample", str(sample)]
    else:
        argv = [str(binary), "csv", "--parser", parser, "--file", str(path), "--reps", str(reps),
                "--sample", str(sample)]
    if expect:
        argv += ["--expect-rows", str(expect["rows"]), "--expect-fnv", expect["fnv1a64"]]
    r = C.run_process(argv, timeout=a.timeout, poll=0.02)
    rec = last_json(r["stdout"]) or {}
    rec.update({"rc": r["rc"], "process_wall_s": r["wall_s"], "process_peak_rss_bytes": r["peak_rss_bytes"],
                "parser": parser, "file": str(path), "argv": argv})
    if r["rc"] not in (0, 3):
        rec["stderr_tail"] = r["stderr"][-1500:]
    if quiet:
        rec["quiet_wait"] = quiet
    return rec


def behaviour(rec: dict, want: list | None = None) -> str:
    rc = rec["rc"]
    if rc < 0 or rc >= 128 or (rc not in (0, 3) and not rec.get("bench")):
        sig = -rc if rc < 0 else rc - 128
        tail = (rec.get("stderr_tail") or "").strip().splitlines()
        why = next((l for l in reversed(tail) if "Fatal error" in l or "error" in l.lower()), tail[-1] if tail else "")
        return f"**crash** (rc {rc}{', signal ' + str(sig) if sig > 0 else ''}): {why[:140]}"
    rows = rec.get("sample") or []
    shown = "; ".join(f"{json.dumps(s['text'], ensure_ascii=False)}/{json.dumps(s['label'], ensure_ascii=False)}"
                      f"({s['fields']})" for s in rows)
    if rec.get("error"):
        e = rec["error"].replace("\n", "\\n")
        return f"error: {e[:220]}" + (f" — after {rec.get('rows')} rows" if rec.get("rows") else "")
    if want is not None:
        got = [(s["text"], s["label"]) for s in rows]
        if got == [(t, l) for t, l in want] and rec.get("rows") == len(want):
            return "ok (the expected fields)"
        return f"**differs**: {rec.get('rows')} rows: {shown}"
    return f"accepted silently: {rec.get('rows')} rows: {shown}"


def mib(x) -> str:
    return "-" if x is None else f"{x / 2**20:.1f} MiB"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", help="localrag-bench binary (default Benchmarks/.build/release/localrag-bench)")
    ap.add_argument("--files", help="comma-separated CSV files (default: data/train.csv, data/test.csv, "
                                    "../shared/data/corpus_large.csv)")
    ap.add_argument("--parsers", default=",".join(PARSERS))
    ap.add_argument("--reps", type=int, default=5, help="timed passes per process (its median is kept)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="processes per parser and file, in rotating order (the table has the median of their medians)")
    ap.add_argument("--scale", type=int, default=20, help="also measure K copies of corpus_large.csv (0: no)")
    ap.add_argument("--tmp", default="/tmp/localrag-csv-bench")
    ap.add_argument("--no-malformed", action="store_true")
    ap.add_argument("--wait-quiet", "--quiet-wait", dest="wait_quiet", type=float, default=0.0,
                    help="before each process wait up to this many seconds for the machine to use < --quiet-cores")
    ap.add_argument("--quiet-cores", type=float, default=0.5)
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--out", default=str(C.BENCH_ROOT / "results" / "csv_side_by_side.json"))
    ap.add_argument("--worker", choices=["python"], help=argparse.SUPPRESS)
    ap.add_argument("--file", help=argparse.SUPPRESS)
    ap.add_argument("--sample", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--expect-rows", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--expect-fnv", help=argparse.SUPPRESS)
    ap.add_argument("--text-column", default="text", help=argparse.SUPPRESS)
    ap.add_argument("--label-column", default="label_text", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker:
        return worker_python(a)

    parsers = [p for p in a.parsers.split(",") if p in PARSERS]
    binary = C.bench_binary(a.bin) if any(p in SWIFT_PARSERS for p in parsers) else None
    files = [Path(f) for f in a.files.split(",")] if a.files else list(DEFAULT_FILES)
    fixtures = json.loads(FIXTURES.read_text()) if FIXTURES.is_file() else {}
    tmp = Path(a.tmp)
    tmp.mkdir(parents=True, exist_ok=True)

    # Expected fingerprints: Python's csv.DictReader, as scripts/fixtures/csv-fixture.py (and the fixture).
    expected = {}
    for f in files:
        with open(f, newline="", encoding="utf-8") as fh:
            n, h = fnv_rows((d["text"], d["label_text"]) for d in csv.DictReader(fh))
        fx = fixtures.get(f.name)
        if fx and (fx["rows"], fx["fnv1a64"]) != (n, h):
            sys.exit(f"{f}: Python reads {n} rows {h}, the fixture says {fx}")
        expected[str(f)] = {"rows": n, "fnv1a64": h, "fixture": bool(fx)}
    if a.scale > 0:
        src = next((f for f in files if f.name == "corpus_large.csv"), DEFAULT_FILES[2])
        big = tmp / f"corpus_large_x{a.scale}.csv"
        body = src.read_bytes()
        header, rest = body.split(b"\n", 1)
        if not big.is_file() or big.stat().st_size != len(header) + 1 + a.scale * len(rest):
            C.log(f"writing {big}")
            with open(big, "wb") as o:
                o.write(header + b"\n")
                for _ in range(a.scale):
                    o.write(rest)
        C.log(f"fingerprinting {big} with Python's csv module")
        with open(big, newline="", encoding="utf-8") as fh:
            n, h = fnv_rows((d["text"], d["label_text"]) for d in csv.DictReader(fh))
        expected[str(big)] = {"rows": n, "fnv1a64": h, "fixture": False}
        files.append(big)

    results = {"started": time.strftime("%Y-%m-%d %H:%M"), "command": " ".join(["python3"] + sys.argv),
               "machine": C.machine_info(), "reps": a.reps, "rounds": a.rounds, "expected": expected, "runs": [], "malformed": []}
    for rnd in range(a.rounds):
        for i, f in enumerate(files):
            k = (i + rnd) % len(parsers)
            for p in parsers[k:] + parsers[:k]:
                rec = run_one(a, binary, p, f, a.reps, expected[str(f)])
                rec["round"] = rnd
                t = rec.get("timed", {})
                C.log(f"r{rnd} {f.name:26s} {p:17s} rows={rec.get('rows')} ok={rec.get('fingerprint_ok')} "
                      f"rows/s={C.fmt(t.get('rows_per_s'))} peak={mib(rec.get('peak_rss_bytes'))} "
                      f"{rec.get('error') or ''}")
                results["runs"].append(rec)

    # Per (parser, file): the median over processes of each process's median pass.
    summary = []
    for f in files:
        for p in parsers:
            recs = [r for r in results["runs"] if r["file"] == str(f) and r["parser"] == p]
            if not recs:
                continue
            ts = [r.get("timed", {}) for r in recs]
            w = C.med([t.get("median_s") for t in ts])
            cpu = C.med([t.get("median_cpu_s") for t in ts])
            rows_n = recs[0].get("rows")
            summary.append({
                "parser": p, "file": str(f), "rows": rows_n, "processes": len(recs),
                "fingerprint_ok": all(r.get("fingerprint_ok") for r in recs),
                "errors": [r.get("error") for r in recs if r.get("error")],
                "median_s": w, "process_medians_s": [t.get("median_s") for t in ts],
                "rows_per_s": rows_n / w if w and rows_n else None,
                "mb_per_s": f.stat().st_size / w / 1e6 if w else None,
                "rows_per_cpu_s": rows_n / cpu if cpu and rows_n else None,
                "peak_rss_bytes": max((r.get("peak_rss_bytes") or 0) for r in recs) or None,
                "loadavg_end": [r.get("loadavg_end") for r in recs],
            })
    results["summary"] = summary

    if not a.no_malformed:
        for kind, cases in (("malformed", MALFORMED), ("edge", EDGE)):
            for name, data in cases.items():
                path = tmp / f"{name}.csv"
                path.write_bytes(data)
                for p in parsers:
                    rec = run_one(a, binary, p, path, 0, None, sample=10, wait=False)
                    rec.update({"case": name, "kind": kind,
                                "behaviour": behaviour(rec, EDGE_EXPECT.get(name) if kind == "edge" else None)})
                    C.log(f"{name:22s} {p:17s} {rec['behaviour']}")
                    results["malformed"].append(rec)

    # Markdown
    md = [f"CSV readers, {results['started']}, `{results['command']}`", "",
          f"machine: {results['machine'].get('cpu', '?')}, {results['machine']['nproc']} cores, "
          f"load average at start {' '.join(results['machine']['loadavg'])}", ""]
    rows = []
    for sm in summary:
        exp = expected[sm["file"]]
        rows.append([LABEL[sm["parser"]], Path(sm["file"]).name, f"{sm['rows']:,}" if sm["rows"] is not None else "-",
                     ("yes" if sm["fingerprint_ok"] else "**no**") + ("" if exp["fixture"] else " (vs Python)"),
                     C.fmt(sm["rows_per_s"]), C.fixed(sm["mb_per_s"], 1), C.fmt(sm["rows_per_cpu_s"]),
                     mib(sm["peak_rss_bytes"]), STREAMING[sm["parser"]]])
    md.append(C.table(["parser", "file", "rows", "fingerprint ok",
                       f"median rows/s ({a.rounds} proc x {a.reps} passes)", "MB/s", "rows per CPU-s", "peak RSS",
                       "streaming"], rows))
    if results["malformed"]:
        md += ["", "Malformed inputs and valid edge cases (`--reps 0 --sample 10`, one process each):", ""]
        cases = list(MALFORMED) + list(EDGE)
        by = {(r["case"], r["parser"]): r["behaviour"] for r in results["malformed"]}
        md.append(C.table(["case"] + [LABEL[p] for p in parsers],
                          [[c] + [by.get((c, p), "-").replace("|", "\\|") for p in parsers] for c in cases]))
    C.write_outputs(Path(a.out), results, "\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
