#!/usr/bin/env python3
"""`rag serve` under HTTP load beside infinity (PyPI infinity-emb, torch engine on CPU), same model folder,
same texts, same load generator, one server at a time.

For each target, a fresh server is started, waited for (rag: GET /healthz 200; infinity: GET /health 200),
checked with one real request, warmed up with --warmup seconds of load, and then loaded with wrk at
1, 8 and 64 connections (wrk threads = min(connections, 2)) for --duration seconds each:
  * rag_embed       rag serve, POST /v1/embeddings   {"model": ..., "input": "<one text>"}
  * infinity_embed  infinity_emb v2, POST /embeddings (its route; --infinity-url-prefix /v1 moves it), same body
  * rag_search      rag serve, POST /v1/search       {"query": "<one text>", "k": 10}
Every request carries one short text, rotating through the `text` column of data/test.csv
(Benchmarks/anchors/wrk_post_text.lua reads the bodies, one JSON body per line, from a file this script
writes). Recorded per run: requests/s, latency p50/p90/p99 (wrk --latency; wrk is closed-loop, so
latency under load includes queueing and no coordinated-omission correction), errors = socket errors
(connect/read/write/timeout) + non-2xx responses, the server's peak RSS (VmHWM of its process tree,
read from /proc after each run; it includes model loading), the server's CPU seconds, wrk's CPU seconds,
and the load average. With --rounds N > 1 the target order alternates and the summary takes medians.

--soak SECONDS: afterwards (or alone, with --targets none) a fresh rag server gets 8 connections on
/v1/embeddings for that long; its VmRSS is sampled every --soak-interval (10) seconds and the series,
growth (last - first sample after warm-up), the least-squares slope and the wrk result are reported.

Output: Benchmarks/results/serve_side_by_side.{json,md} (--out), with the ratios rag / infinity
(requests/s, p99 and p50 at every connection count; the 1-connection p50 is the headline latency ratio).

Usage (from the repository root; infinity's venv: see Benchmarks/anchors/requirements-infinity.txt):
  python3 Benchmarks/anchors/serve_side_by_side.py --rag .build/release/rag --index index
  python3 Benchmarks/anchors/serve_side_by_side.py --rag .build/release/rag --index index --duration 5 \\
      --out /tmp/serve_smoke.json                                                       # smoke
  python3 Benchmarks/anchors/serve_side_by_side.py --targets infinity_embed --duration 5 --out /tmp/inf.json
  python3 Benchmarks/anchors/serve_side_by_side.py --rag .build/release/rag --index index --targets none --soak 600
Extra arguments for `rag serve` (e.g. --model-dir DIR) go in --rag-args "...". The environment is passed
on unchanged to both servers (set thread variables yourself if you want them; they are recorded).
The script needs only the Python standard library; wrk from Debian (apt-get install wrk).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as C  # noqa: E402

TARGETS = ("rag_embed", "infinity_embed", "rag_search")
LABELS = {"rag_embed": "rag serve /v1/embeddings", "infinity_embed": "infinity /embeddings",
          "rag_search": "rag serve /v1/search"}
LUA = C.HERE / "wrk_post_text.lua"
MODEL_NAME = "all-MiniLM-L6-v2"


# ---------------------------------------------------------------- /proc helpers

def _status_kb(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants (a uvicorn server may fork workers)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(rest[1]), []).append(int(d))
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def tree_mem(pid: int) -> dict:
    """VmHWM (peak) and VmRSS (now) summed over the process tree (the sum of peaks bounds the joint peak)."""
    pids = process_tree(pid)
    hwm = [_status_kb(p, "VmHWM") for p in pids]
    rss = [_status_kb(p, "VmRSS") for p in pids]
    return {"pids": len(pids), "peak_rss_bytes": sum(x for x in hwm if x) or None,
            "rss_bytes": sum(x for x in rss if x) or None}


def tree_cpu_s(pid: int) -> float:
    tck = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in process_tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
            total += (int(rest[11]) + int(rest[12])) / tck       # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total


def loadavg() -> list[float]:
    return [float(x) for x in open("/proc/loadavg").read().split()[:3]]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


# ---------------------------------------------------------------- HTTP

def http(method: str, url: str, body: dict | None = None, timeout: float = 10) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, OSError, TimeoutError):
        return 0, b""


# ---------------------------------------------------------------- servers

class Server:
    """One server process, started in its own session, logs to a temporary file, stopped by its pid."""

    def __init__(self, name: str, argv: list[str], base: str, health_path: str, env: dict, tmp: Path):
        self.name, self.argv, self.base, self.health_path, self.env = name, argv, base, health_path, env
        self.log_path = tmp / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.started = 0.0

    def start(self, ready_timeout: float) -> dict:
        port = int(self.base.rsplit(":", 1)[1])
        if port_in_use(port):
            raise RuntimeError(f"port {port} is already in use before starting {self.name}")
        C.log(f"starting {self.name}: {' '.join(shlex.quote(a) for a in self.argv)}")
        self.log_f = open(self.log_path, "w")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=self.log_f, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        url = self.base + self.health_path
        while True:
            rc = self.proc.poll()
            if rc is not None:
                raise RuntimeError(f"{self.name} exited with code {rc} before it was ready; its output ends:\n"
                                   + self.log_tail())
            code, _ = http("GET", url, timeout=2)
            if code == 200:
                break
            if time.perf_counter() - self.started > ready_timeout:
                self.stop()
                raise RuntimeError(f"{self.name} not ready after {ready_timeout:.0f} s (GET {url}); output ends:\n"
                                   + self.log_tail())
            time.sleep(0.25)
        ready_s = time.perf_counter() - self.started
        mem = tree_mem(self.proc.pid)
        C.log(f"{self.name} ready in {ready_s:.1f} s (pid {self.proc.pid}, RSS {(mem['rss_bytes'] or 0) / 2**20:.0f} MiB)")
        return {"ready_s": ready_s, "pid": self.proc.pid, "rss_at_ready_bytes": mem["rss_bytes"],
                "peak_rss_at_ready_bytes": mem["peak_rss_bytes"]}

    def log_tail(self, n: int = 3000) -> str:
        try:
            if not self.log_f.closed:
                self.log_f.flush()
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace: float = 20) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                C.log(f"{self.name} ignored SIGTERM for {grace:.0f} s: SIGKILL")
                self.proc.kill()
                self.proc.wait(10)
        rc = self.proc.returncode
        self.log_f.close()
        return rc


def rag_server(a, port: int, env: dict, tmp: Path, name: str) -> Server:
    argv = [str(a.rag), "serve", "--index", str(a.index), "--port", str(port)] + shlex.split(a.rag_args or "")
    return Server(name, argv, f"http://127.0.0.1:{port}", "/healthz", env, tmp)


def infinity_server(a, port: int, env: dict, tmp: Path) -> Server:
    argv = [str(a.infinity), "v2", "--model-id", str(a.model_dir), "--served-model-name", MODEL_NAME,
            "--engine", "torch", "--device", "cpu", "--host", "127.0.0.1", "--port", str(port),
            "--batch-size", str(a.infinity_batch_size), "--no-vector-disk-cache", "--no-bettertransformer",
            "--no-compile", "--log-level", "warning"]
    if a.infinity_url_prefix:
        argv += ["--url-prefix", a.infinity_url_prefix]
    env = dict(env)
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "DO_NOT_TRACK": "1",
                "INFINITY_ANONYMOUS_USAGE_STATS": "0"})
    # /health stays unprefixed: --url-prefix moves /embeddings and /models only (checked with 0.0.78).
    return Server("infinity", argv, f"http://127.0.0.1:{port}", "/health", env, tmp)


def check_rag_binary(rag: Path) -> dict:
    """The binary exists, runs, and has a `serve` subcommand (else a clear exit)."""
    if not rag.is_file() or not os.access(rag, os.X_OK):
        sys.exit(f"--rag {rag}: not an executable file")
    try:
        r = subprocess.run([str(rag), "serve", "--help"], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        sys.exit(f"{rag} serve --help did not answer in 60 s")
    text = r.stdout + r.stderr
    if r.returncode != 0 or "--port" not in text:
        sys.exit(f"{rag} has no usable `serve` subcommand (`serve --help` exited {r.returncode}):\n{text[-1500:]}\n"
                 "Build it with the Server trait: swift build -c release --traits Server (scripts/lib/build.sh does).")
    v = subprocess.run([str(rag), "--version"], capture_output=True, text=True, timeout=60)
    return {"path": str(rag), "version": (v.stdout or v.stderr).strip()[:200]}


# ---------------------------------------------------------------- probes: one real request before the load

def probe(target: str, base: str, route: str, text: str, k: int) -> dict:
    body = {"model": MODEL_NAME, "input": text} if target != "rag_search" else {"query": text, "k": k}
    t0 = time.perf_counter()
    code, raw = http("POST", base + route, body, timeout=60)
    ms = (time.perf_counter() - t0) * 1000
    out = {"status": code, "ms": ms}
    try:
        d = json.loads(raw)
    except ValueError:
        out["error"] = f"non-JSON response: {raw[:300]!r}"
        return out
    if code != 200:
        out["error"] = f"HTTP {code}: {raw[:300]!r}"
        return out
    if target == "rag_search":
        out["keys"] = sorted(d)[:20] if isinstance(d, dict) else type(d).__name__
    else:
        try:
            out.update({"object": d.get("object"), "n": len(d["data"]), "dim": len(d["data"][0]["embedding"]),
                        "model": d.get("model"), "usage": d.get("usage"), "keys": sorted(d)})
        except (KeyError, IndexError, TypeError) as e:
            out["error"] = f"not OpenAI's embeddings shape ({e!r}): {raw[:300]!r}"
    return out


# ---------------------------------------------------------------- wrk

def run_wrk(url: str, bodies: Path, connections: int, duration: float, wrk_timeout: float) -> dict:
    threads = min(connections, 2)
    argv = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration:g}s", "--latency",
            "--timeout", f"{wrk_timeout:g}s", "-s", str(LUA), url, "--", str(bodies)]
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    la0 = loadavg()
    r = subprocess.run(argv, capture_output=True, text=True, timeout=duration + wrk_timeout + 120)
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    rec = {"argv": argv, "threads": threads, "connections": connections, "rc": r.returncode,
           "wrk_cpu_s": (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime),
           "loadavg_before": la0, "loadavg_after": loadavg()}
    line = next((l for l in r.stdout.splitlines() if l.startswith("WRK_JSON ")), None)
    if r.returncode != 0 or line is None:
        rec["error"] = f"wrk rc={r.returncode}: {(r.stdout + r.stderr)[-1500:]}"
        return rec
    w = json.loads(line[len("WRK_JSON "):])
    rec["wrk"] = w
    rec["stdout_tail"] = r.stdout[-1200:]
    lat = w["latency_us"]
    ok = max(w["requests"] - w["errors"]["non_2xx"], 0)
    rec.update({"requests": w["requests"], "rps": w["rps"], "ok_rps": ok / (w["duration_us"] / 1e6),
                "p50_ms": lat["p50"] / 1000, "p90_ms": lat["p90"] / 1000, "p99_ms": lat["p99"] / 1000,
                "mean_ms": lat["mean"] / 1000, "max_ms": lat["max"] / 1000,
                "errors": w["errors"]["total"], "socket_errors": w["errors"]["socket"],
                "non_2xx": w["errors"]["non_2xx"], "status": w["status"]})
    return rec


def write_bodies(path: Path, target: str, texts: list[str], k: int):
    with open(path, "w") as f:
        for t in texts:
            body = {"query": t, "k": k} if target == "rag_search" else {"model": MODEL_NAME, "input": t}
            f.write(json.dumps(body, ensure_ascii=True) + "\n")      # one line per body: \n is escaped


# ---------------------------------------------------------------- one target

def run_target(a, target: str, env: dict, tmp: Path, texts: list[str], rnd: int) -> dict:
    port = free_port()
    if target == "infinity_embed":
        srv = infinity_server(a, port, env, tmp)
        route = (a.infinity_url_prefix or "") + "/embeddings"
    else:
        srv = rag_server(a, port, env, tmp, target)
        route = "/v1/embeddings" if target == "rag_embed" else "/v1/search"
    bodies = tmp / f"bodies_{target}.jsonl"
    write_bodies(bodies, target, texts, a.k)
    rec = {"target": target, "round": rnd, "route": route, "server_argv": srv.argv, "levels": []}
    try:
        rec["start"] = srv.start(a.ready_timeout)
        rec["probe"] = probe(target, srv.base, route, texts[0], a.k)
        if "error" in rec["probe"]:
            raise RuntimeError(f"{target}: probe request failed: {rec['probe']['error']}")
        if a.warmup > 0:
            w = run_wrk(srv.base + route, bodies, 8, a.warmup, a.wrk_timeout)
            rec["warmup"] = {k: w.get(k) for k in ("rps", "p50_ms", "errors", "error")}
        for c in a.connections:
            if not srv.alive():
                raise RuntimeError(f"{target} died; output ends:\n{srv.log_tail()}")
            cpu0 = tree_cpu_s(srv.proc.pid)
            lv = run_wrk(srv.base + route, bodies, c, a.duration, a.wrk_timeout)
            cpu1 = tree_cpu_s(srv.proc.pid)
            lv["server_cpu_s"] = cpu1 - cpu0
            lv["server_cores"] = (cpu1 - cpu0) / a.duration
            lv.update({("server_" + k): v for k, v in tree_mem(srv.proc.pid).items()})
            rec["levels"].append(lv)
            if "error" in lv:
                C.log(f"round {rnd} {target} c={c}: ERROR {lv['error'][-500:]}")
            else:
                C.log(f"round {rnd} {target:14s} c={c:2d}: {lv['rps']:8.1f} req/s, p50 {lv['p50_ms']:.2f} ms, "
                      f"p99 {lv['p99_ms']:.2f} ms, errors {lv['errors']}, server {lv['server_cores']:.2f} cores, "
                      f"peak RSS {(lv['server_peak_rss_bytes'] or 0) / 2**20:.0f} MiB, load {lv['loadavg_after'][0]:.2f}")
    except RuntimeError as e:
        rec["error"] = str(e)
        C.log(f"round {rnd} {target}: ERROR {e}")
    finally:
        if srv.proc is not None:
            mem = tree_mem(srv.proc.pid) if srv.alive() else {}
            rec["server_peak_rss_bytes"] = mem.get("peak_rss_bytes")
            rec["stop_rc"] = srv.stop()
            rec["log_tail"] = srv.log_tail(1500)
    return rec


def run_soak(a, env: dict, tmp: Path, texts: list[str]) -> dict:
    port = free_port()
    srv = rag_server(a, port, env, tmp, "rag_soak")
    route = "/v1/embeddings"
    bodies = tmp / "bodies_soak.jsonl"
    write_bodies(bodies, "rag_embed", texts, a.k)
    rec = {"target": "rag_embed", "route": route, "connections": a.soak_connections, "seconds": a.soak,
           "interval_s": a.soak_interval, "samples": []}
    try:
        rec["start"] = srv.start(a.ready_timeout)
        rec["probe"] = probe("rag_embed", srv.base, route, texts[0], a.k)
        if "error" in rec["probe"]:
            raise RuntimeError(f"soak probe failed: {rec['probe']['error']}")
        if a.warmup > 0:
            run_wrk(srv.base + route, bodies, a.soak_connections, a.warmup, a.wrk_timeout)
        threads = min(a.soak_connections, 2)
        argv = ["wrk", "-t", str(threads), "-c", str(a.soak_connections), "-d", f"{a.soak:g}s", "--latency",
                "--timeout", f"{a.wrk_timeout:g}s", "-s", str(LUA), srv.base + route, "--", str(bodies)]
        out_f = open(tmp / "soak_wrk.out", "w+")
        t0 = time.perf_counter()
        w = subprocess.Popen(argv, stdout=out_f, stderr=subprocess.STDOUT, text=True)
        C.log(f"soak: {a.soak:g} s at {a.soak_connections} connections, RSS every {a.soak_interval:g} s")
        nxt = 0.0
        while True:
            now = time.perf_counter() - t0
            if now >= nxt:
                if not srv.alive():
                    break
                m = tree_mem(srv.proc.pid)
                rec["samples"].append({"t_s": round(now, 1), "rss_bytes": m["rss_bytes"],
                                       "peak_rss_bytes": m["peak_rss_bytes"], "cpu_s": tree_cpu_s(srv.proc.pid)})
                nxt += a.soak_interval
            if w.poll() is not None:
                break
            if now > a.soak + a.wrk_timeout + 120:
                w.kill()
                break
            time.sleep(min(0.5, max(0.05, nxt - now)))
        w.wait()
        if srv.alive():
            m = tree_mem(srv.proc.pid)
            rec["samples"].append({"t_s": round(time.perf_counter() - t0, 1), "rss_bytes": m["rss_bytes"],
                                   "peak_rss_bytes": m["peak_rss_bytes"], "cpu_s": tree_cpu_s(srv.proc.pid)})
        else:
            rec["error"] = "server died during the soak; output ends:\n" + srv.log_tail()
        out_f.seek(0)
        text = out_f.read()
        out_f.close()
        line = next((l for l in text.splitlines() if l.startswith("WRK_JSON ")), None)
        if line:
            ww = json.loads(line[len("WRK_JSON "):])
            rec["wrk"] = ww
            rec.update({"rps": ww["rps"], "p50_ms": ww["latency_us"]["p50"] / 1000,
                        "p99_ms": ww["latency_us"]["p99"] / 1000, "errors": ww["errors"]["total"]})
        else:
            rec["error"] = rec.get("error") or f"wrk printed no result: {text[-1500:]}"
        rss = [(s["t_s"], s["rss_bytes"]) for s in rec["samples"] if s["rss_bytes"]]
        if len(rss) >= 2:
            first, last = rss[0][1], rss[-1][1]
            n = len(rss)
            mt = sum(t for t, _ in rss) / n
            mr = sum(r for _, r in rss) / n
            den = sum((t - mt) ** 2 for t, _ in rss)
            slope = sum((t - mt) * (r - mr) for t, r in rss) / den if den else 0.0
            half = rss[n // 2:]
            rec["rss"] = {"first_bytes": first, "last_bytes": last, "max_bytes": max(r for _, r in rss),
                          "growth_bytes": last - first, "growth_pct": 100.0 * (last - first) / first,
                          "slope_bytes_per_min": slope * 60,
                          "second_half_growth_bytes": half[-1][1] - half[0][1]}
    except RuntimeError as e:
        rec["error"] = str(e)
        C.log(f"soak: ERROR {e}")
    finally:
        if srv.proc is not None:
            rec["stop_rc"] = srv.stop()
            rec["log_tail"] = srv.log_tail(1500)
    return rec


# ---------------------------------------------------------------- summary and markdown

def summarize(results: dict) -> dict:
    rows = []
    for t in results["targets"]:
        for c in results["connections"]:
            lv = [l for r in results["runs"] if r["target"] == t for l in r["levels"]
                  if l["connections"] == c and "error" not in l]
            if not lv:
                rows.append({"target": t, "connections": c, "error": "no successful run"})
                continue
            rows.append({"target": t, "connections": c, "runs": len(lv),
                         "rps": C.med([l["rps"] for l in lv]), "ok_rps": C.med([l["ok_rps"] for l in lv]),
                         "p50_ms": C.med([l["p50_ms"] for l in lv]), "p90_ms": C.med([l["p90_ms"] for l in lv]),
                         "p99_ms": C.med([l["p99_ms"] for l in lv]),
                         "errors": sum(l["errors"] for l in lv), "non_2xx": sum(l["non_2xx"] for l in lv),
                         "socket_errors": sum(l["socket_errors"] for l in lv),
                         "server_peak_rss_bytes": C.med([l.get("server_peak_rss_bytes") for l in lv]),
                         "server_cores": C.med([l.get("server_cores") for l in lv]),
                         "wrk_cores": C.med([l["wrk_cpu_s"] / results["duration_s"] for l in lv]),
                         "load_max": max(l["loadavg_after"][0] for l in lv)})
    ratios = []
    for c in results["connections"]:
        mine = next((r for r in rows if r["target"] == "rag_embed" and r["connections"] == c and "error" not in r), None)
        inf = next((r for r in rows if r["target"] == "infinity_embed" and r["connections"] == c and "error" not in r), None)
        if mine and inf:
            ratios.append({"connections": c, "rps_ratio": mine["rps"] / inf["rps"] if inf["rps"] else None,
                           "p99_ratio": mine["p99_ms"] / inf["p99_ms"] if inf["p99_ms"] else None,
                           "p50_ratio": mine["p50_ms"] / inf["p50_ms"] if inf["p50_ms"] else None})
    head = next((r for r in ratios if r["connections"] == 1), None)
    return {"rows": rows, "ratios": ratios,
            "p50_ratio_at_1_connection": head["p50_ratio"] if head else None}


def render(results: dict) -> str:
    s = results["summary"]
    rows = []
    for r in s["rows"]:
        if "error" in r:
            rows.append([LABELS[r["target"]], r["connections"], "error"] + [""] * 7)
            continue
        rows.append([LABELS[r["target"]], r["connections"], C.fmt(r["rps"]), C.fmt(r["p50_ms"]), C.fmt(r["p90_ms"]),
                     C.fmt(r["p99_ms"]), f"{r['errors']} ({r['non_2xx']} non-2xx)",
                     C.fmt((r["server_peak_rss_bytes"] or 0) / 2**20), C.fixed(r["server_cores"]),
                     C.fixed(r["wrk_cores"])])
    head = ["server, route", "connections", "requests/s", "p50 ms", "p90 ms", "p99 ms", "errors",
            "server peak RSS MiB", "server cores", "wrk cores"]
    m = results["machine"]
    lines = [f"`rag serve` beside infinity {results['versions'].get('infinity_emb', '?')} (torch "
             f"{results['versions'].get('torch', '?')}, CPU) under wrk ({results['started']}): one short text per "
             f"request, rotating through {results['n_texts']} texts of {results['texts_source']}; "
             f"{results['duration_s']:g} s per run after {results['warmup_s']:g} s of warm-up, wrk threads = "
             f"min(connections, 2), {results['rounds']} round(s) of fresh servers, one server at a time; medians. "
             "Errors are socket errors + non-2xx responses; peak RSS is the server's VmHWM (model load included).",
             "", C.table(head, rows), ""]
    if s["ratios"]:
        lines += ["rag ÷ infinity on /v1/embeddings (requests/s above 1 and latency below 1 favour rag):", "",
                  C.table(["connections", "requests/s ratio", "p50 ratio", "p99 ratio"],
                          [[r["connections"], C.fixed(r["rps_ratio"]), C.fixed(r["p50_ratio"]), C.fixed(r["p99_ratio"])]
                           for r in s["ratios"]]), ""]
        if s.get("p50_ratio_at_1_connection") is not None:
            lines += [f"Single-client latency: rag p50 / infinity p50 at 1 connection = "
                      f"{s['p50_ratio_at_1_connection']:.2f}.", ""]
    soak = results.get("soak")
    if soak:
        if "rss" in soak:
            rr = soak["rss"]
            series = ", ".join(f"{x['t_s']:.0f}s {x['rss_bytes'] / 2**20:.0f}" for x in soak["samples"] if x["rss_bytes"])
            lines += [f"Soak: rag /v1/embeddings, {soak['connections']} connections for {soak['seconds']:g} s: "
                      f"{C.fmt(soak.get('rps'))} requests/s, p99 {C.fmt(soak.get('p99_ms'))} ms, errors "
                      f"{soak.get('errors')}; RSS {rr['first_bytes'] / 2**20:.1f} → {rr['last_bytes'] / 2**20:.1f} MiB "
                      f"(growth {rr['growth_bytes'] / 2**20:+.1f} MiB, {rr['growth_pct']:+.1f} %; slope "
                      f"{rr['slope_bytes_per_min'] / 2**20:+.2f} MiB/min; second half {rr['second_half_growth_bytes'] / 2**20:+.1f} MiB).",
                      "", f"RSS series (MiB): {series}", ""]
        else:
            lines += [f"Soak: error: {soak.get('error', 'no samples')[:500]}", ""]
    env = m.get("env") or {}
    lines += [f"Infinity: `{results.get('infinity_command', '-')}` (route {results.get('infinity_route', '-')}). "
              f"rag: `{results.get('rag_command', '-')}`.",
              "", f"Command: `{results['command']}`", "",
              f"Machine: {m.get('cpu', '?')}, {m.get('nproc', '?')} cores; OPENBLAS_CORETYPE "
              f"{env.get('OPENBLAS_CORETYPE') or 'unset'}; load average at start {' '.join(m.get('loadavg', []))}, "
              f"at end {' '.join(str(x) for x in results.get('loadavg_end', []))}; wrk runs on the same cores as "
              "the server."]
    return "\n".join(lines)


def versions(a) -> dict:
    v = {}
    try:
        v["wrk"] = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0].strip()
    except (OSError, IndexError):
        v["wrk"] = None
    py = Path(a.infinity).parent / "python"
    if py.exists():
        code = ("import json, importlib.metadata as m\nout = {}\n"
                "for p in ('infinity_emb', 'torch', 'sentence-transformers', 'transformers', 'fastapi', 'uvicorn'):\n"
                "    try: out[p] = m.version(p)\n    except m.PackageNotFoundError: out[p] = None\nprint(json.dumps(out))")
        r = subprocess.run([str(py), "-c", code], capture_output=True, text=True)
        try:
            v.update(json.loads(r.stdout))
        except ValueError:
            pass
    return v


def load_texts(path: Path, column: str, limit: int | None) -> list[str]:
    with open(path, newline="", encoding="utf-8") as f:
        texts = [row[column].strip() for row in csv.DictReader(f) if (row.get(column) or "").strip()]
    return texts[:limit] if limit else texts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rag", type=Path, help="the rag binary (needed for the rag targets and --soak)")
    ap.add_argument("--index", type=Path, default=C.REPO / "index", help="index folder for `rag serve --index`")
    ap.add_argument("--rag-args", default="", help="extra arguments for `rag serve`, one shell-quoted string")
    ap.add_argument("--infinity", type=Path, default=C.REPO / ".venv-infinity" / "bin" / "infinity_emb")
    ap.add_argument("--infinity-url-prefix", default="", help="infinity's --url-prefix (e.g. /v1); default none: /embeddings")
    ap.add_argument("--infinity-batch-size", type=int, default=32)
    ap.add_argument("--model-dir", type=Path,
                    default=Path(os.environ.get("LOCALRAG_MODEL_DIR") or C.REPO / "models" / "all-MiniLM-L6-v2"))
    ap.add_argument("--texts", type=Path, default=C.REPO / "data" / "test.csv")
    ap.add_argument("--text-column", default="text")
    ap.add_argument("--limit", type=int, default=None, help="only the first N texts")
    ap.add_argument("--targets", default=",".join(TARGETS), help="comma list of " + ",".join(TARGETS) + " (or none)")
    ap.add_argument("--connections", default="1,8,64")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds per wrk run")
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds of load (8 connections) after each start, unmeasured")
    ap.add_argument("--rounds", type=int, default=1, help="rounds of fresh servers; the order alternates")
    ap.add_argument("--k", type=int, default=10, help="k for /v1/search")
    ap.add_argument("--wrk-timeout", type=float, default=30.0, help="wrk's per-request timeout (its default 2 s is too short at 64 connections)")
    ap.add_argument("--ready-timeout", type=float, default=300.0)
    ap.add_argument("--soak", type=float, default=0.0, help="seconds of 8-connection load on rag /v1/embeddings, RSS sampled")
    ap.add_argument("--soak-interval", type=float, default=10.0)
    ap.add_argument("--soak-connections", type=int, default=8)
    ap.add_argument("--out", default=str(C.BENCH_ROOT / "results" / "serve_side_by_side.json"))
    a = ap.parse_args()

    targets = [] if a.targets.strip() in ("", "none") else [t.strip() for t in a.targets.split(",") if t.strip()]
    bad = [t for t in targets if t not in TARGETS]
    if bad:
        sys.exit(f"unknown target(s) {bad}; choose from {', '.join(TARGETS)}")
    a.connections = [int(c) for c in a.connections.split(",") if c.strip()]
    if not targets and a.soak <= 0:
        sys.exit("nothing to do: no targets and no --soak")
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install -y wrk")
    needs_rag = any(t.startswith("rag") for t in targets) or a.soak > 0
    rag_info = None
    if needs_rag:
        if a.rag is None:
            sys.exit("--rag BIN is needed for " + ", ".join([t for t in targets if t.startswith("rag")] + (["--soak"] if a.soak > 0 else [])))
        a.rag = a.rag.resolve()
        rag_info = check_rag_binary(a.rag)
        if not a.index.is_dir():
            sys.exit(f"--index {a.index}: not a folder")
        a.index = a.index.resolve()
    if "infinity_embed" in targets:
        if not Path(a.infinity).is_file():
            sys.exit(f"{a.infinity} not found: python3 -m venv .venv-infinity && .venv-infinity/bin/pip install "
                     "-r Benchmarks/anchors/requirements-infinity.txt")
        if not (a.model_dir / "config.json").is_file():
            sys.exit(f"--model-dir {a.model_dir}: no config.json (a sentence-transformers folder is needed)")
        a.model_dir = a.model_dir.resolve()
    texts = load_texts(a.texts, a.text_column, a.limit)
    if not texts:
        sys.exit(f"no texts in {a.texts} (column {a.text_column})")

    env = dict(os.environ)
    results = {"started": time.strftime("%Y-%m-%d %H:%M"), "command": " ".join([Path(sys.executable).name] + sys.argv),
               "machine": C.machine_info(), "versions": versions(a), "rag": rag_info,
               "targets": targets, "connections": a.connections, "duration_s": a.duration, "warmup_s": a.warmup,
               "rounds": a.rounds, "k": a.k, "wrk_timeout_s": a.wrk_timeout,
               "texts_source": str(a.texts.relative_to(C.REPO)) if a.texts.resolve().is_relative_to(C.REPO) else str(a.texts),
               "n_texts": len(texts), "mean_text_chars": sum(map(len, texts)) / len(texts),
               "model_dir": str(a.model_dir), "runs": []}
    C.log(f"{len(texts)} texts from {a.texts}; targets {targets}; connections {a.connections}; {a.duration:g} s each")
    with tempfile.TemporaryDirectory(prefix="localrag-serve-sbs-") as td:
        tmp = Path(td)
        for rnd in range(a.rounds):
            order = targets if rnd % 2 == 0 else list(reversed(targets))
            for t in order:
                rec = run_target(a, t, env, tmp, texts, rnd)
                results["runs"].append(rec)
                if t == "infinity_embed":
                    results["infinity_command"] = " ".join(shlex.quote(x) for x in rec["server_argv"])
                    results["infinity_route"] = rec["route"]
                    if rec.get("probe"):
                        results["infinity_probe"] = rec["probe"]
                else:
                    results["rag_command"] = " ".join(shlex.quote(x) for x in rec["server_argv"])
        if a.soak > 0:
            results["soak"] = run_soak(a, env, tmp, texts)
    results["loadavg_end"] = loadavg()
    results["summary"] = summarize(results)
    md = render(results)
    C.write_outputs(Path(a.out), results, md)
    print(md)
    failed = [r["target"] for r in results["runs"] if "error" in r or any("error" in l for l in r["levels"])]
    if results.get("soak") and "error" in results["soak"]:
        failed.append("soak")
    if failed:
        C.log("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
