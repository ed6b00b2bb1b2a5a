"""Helpers shared by the side-by-side drivers: locating and importing the shared anchors' scripts,
running one measurement process (with its peak RSS from wait4), the localrag-bench binary, tables."""
from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent          # Benchmarks/anchors
BENCH_ROOT = HERE.parent                        # Benchmarks
REPO = BENCH_ROOT.parent                        # the LocalRAG repository
DEFAULT_BIN = BENCH_ROOT / ".build" / "release" / "localrag-bench"
RAG = REPO / ".build" / "release" / "rag"         # the CLI, as scripts/lib/build.sh leaves it


def shared_anchors_dir(override: str | None = None) -> Path:
    """shared/anchors: --shared-anchors, else $LOCALRAG_SHARED_ANCHORS, else ../shared/anchors beside the repo."""
    for cand in (override, os.environ.get("LOCALRAG_SHARED_ANCHORS"), str(REPO.parent / "shared" / "anchors")):
        if cand and Path(cand).is_dir():
            return Path(cand)
    sys.exit("shared anchors not found: pass --shared-anchors DIR (the folder holding retrieval/ and embed/)")


def import_script(path: Path, name: str):
    """Imports one of the shared anchors' scripts as a module (their main() does not run)."""
    if not path.is_file():
        sys.exit(f"missing {path}")
    spec = importlib.util.spec_from_file_location(name, str(path))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def data_dir() -> Path:
    """The folder holding train.csv and test.csv: the repository's data/, else ../shared/data."""
    for cand in (REPO / "data", REPO.parent / "shared" / "data"):
        if (cand / "train.csv").exists():
            return cand
    sys.exit("data/train.csv not found")


def bench_binary(override: str | None = None) -> Path:
    p = Path(override) if override else DEFAULT_BIN
    if not p.is_file():
        sys.exit(f"{p} not found: build it first with\n"
                 f"  cd {BENCH_ROOT} && swift build -c release --product localrag-bench")
    return p


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


def _vm_hwm(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def run_process(argv: list[str], env: dict | None = None, timeout: float = 3600, poll: float = 0.1, cwd: str | None = None) -> dict:
    """Runs one measurement process to the end. Returns rc, stdout, the tail of stderr, wall seconds
    and the child's peak RSS: its VmHWM, read from /proc/PID/status every `poll` seconds while it runs
    (VmHWM only grows, so the last reading is the peak up to the last few ms). wait4's ru_maxrss is
    not used: Linux carries the parent's RSS into it across fork + exec, so a child of a big Python
    process would report the parent's size. Output goes through temporary files, so a chatty child
    never blocks on a full pipe."""
    import tempfile
    with tempfile.TemporaryFile("w+") as fo, tempfile.TemporaryFile("w+") as fe:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, env=env, stdout=fo, stderr=fe, text=True, cwd=cwd)
        peak = None
        while True:
            pid, status = os.waitpid(p.pid, os.WNOHANG)
            if pid == p.pid:
                break
            v = _vm_hwm(p.pid)
            if v is not None:
                peak = v if peak is None else max(peak, v)
            if time.perf_counter() - t0 > timeout:
                p.kill()
            time.sleep(poll)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read(), fe.read()
    return {"rc": p.returncode, "stdout": out, "stderr": err[-3000:], "wall_s": wall, "peak_rss_bytes": peak}


def last_json(text: str) -> dict | None:
    for line in reversed((text or "").strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                return None
    return None


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fnv1a64(texts: list[str]) -> str:
    """Same hash as localrag-bench's corpus_fnv1a64: UTF-8 of each text followed by 0x1E."""
    h = 0xcbf29ce484222325
    for t in texts:
        for b in t.encode("utf-8") + b"\x1e":
            h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def table(header: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        out.append("| " + " | ".join("" if c is None else str(c) for c in r) + " |")
    return "\n".join(out)


def fmt(x, digits=3):
    if x is None:
        return "-"
    if isinstance(x, float):
        if abs(x) >= 100:
            return f"{x:,.0f}"
        return f"{x:.{digits}g}"
    return str(x)


def fixed(x, digits=2):
    """Fixed decimals (cores, recall), '-' for missing."""
    return "-" if x is None else f"{x:.{digits}f}"


def machine_info() -> dict:
    info = {"loadavg": open("/proc/loadavg").read().split()[:3], "nproc": os.cpu_count(),
            "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS",
                                                    "OMP_NUM_THREADS", "MKL_NUM_THREADS")}}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    except OSError:
        pass
    try:
        info["debian_libopenblas0"] = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libopenblas0-pthread"],
                                                     capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    return info


def _find_machine_run(obj):
    """The first `machine_run` record (cpu, blas_core, simd) a localrag-bench process printed, anywhere in obj."""
    if isinstance(obj, dict):
        if isinstance(obj.get("machine_run"), dict):
            return obj["machine_run"]
        children = obj.values()
    elif isinstance(obj, list):
        children = obj
    else:
        return None
    for child in children:
        found = _find_machine_run(child)
        if found:
            return found
    return None


def machine_line(machine: dict | None, runs) -> str:
    """One line for the markdown: the CPU, OPENBLAS_CORETYPE as the environment set it, LocalRAG's BLAS core and SIMD path."""
    machine = machine or {}
    env = machine.get("env") or {}
    run = _find_machine_run(runs) or {}
    return (f"Machine: {machine.get('cpu', '?')}, {machine.get('nproc', '?')} cores; OPENBLAS_CORETYPE "
            f"{env.get('OPENBLAS_CORETYPE') or 'unset'} in the environment; LocalRAG ran BLAS core "
            f"{run.get('blas_core_reason') or run.get('blas_core', '?')}, SIMD path {run.get('simd', '?')}.")


def write_outputs(out: Path, results: dict, markdown: str):
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    md = out.with_suffix(".md")
    md.write_text(markdown + "\n")
    log("wrote", out, "and", md)
