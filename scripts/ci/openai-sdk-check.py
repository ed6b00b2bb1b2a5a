#!/usr/bin/env python3
"""Checks `rag serve`'s POST /v1/embeddings with the official `openai` Python SDK against reference
vectors, and prints one summary line.

  client = OpenAI(base_url=BASE_URL + "/v1", api_key=KEY or "none")
Calls (model all-MiniLM-L6-v2):
  1. input=[all texts] (in requests of at most --max-batch), encoding_format not given: the SDK then
     asks for base64 on the wire and decodes it itself (that is what most SDK users get);
  2. input=[all texts], encoding_format="float": JSON numbers on the wire;
  3. input="<one text>" (a single string) for the first --singles texts;
  4. input=[all texts], encoding_format="base64": the SDK hands back the base64 strings, decoded here
     as little-endian float32.
Each call's vectors are compared with the reference: exit 1 if a count or a dimension differs, if the
response is not OpenAI's shape (object "list", data[i].object "embedding", data[i].index == i, model,
usage), or if max |diff| > --tolerance (1e-6).

--texts FILE: one text per line (blank lines are skipped; a trailing \\r is dropped).
--reference FILE: the vectors of those texts, in order, in any of `rag embed`'s output formats:
  * jsonl: one JSON array per line (`rag embed --csv texts.csv --out ref.jsonl`; also the lines of
    `rag embed TEXT --json`, one per text, concatenated);
  * .npy (`--out ref.npy`) or .f32 (`--out ref.f32`, rows x dim little-endian float32; dim is taken
    as size / 4 / number of texts);
  * plain numbers one per line (`rag embed TEXT` without --json), the texts' vectors back to back;
  also JSON lines of objects with an "embedding" array, or one OpenAI embeddings response.
The API key: --api-key, else $OPENAI_API_KEY, else "none".

Install: pip install -r scripts/ci/requirements-openai.txt
Example:
  python3 scripts/ci/openai-sdk-check.py --base-url http://127.0.0.1:8000 --texts texts.txt --reference ref.jsonl
"""
from __future__ import annotations

import argparse
import base64
import json
import math
import os
import struct
import sys
from pathlib import Path

MODEL = "all-MiniLM-L6-v2"


class CheckError(Exception):
    pass


# ---------------------------------------------------------------- reading the reference

def _f32(x: float) -> float:
    """Rounds to float32, as the server's vectors are."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _rows_from_flat(flat: list[float], n: int, what: str) -> list[list[float]]:
    if n == 0 or len(flat) % n:
        raise CheckError(f"reference {what}: {len(flat)} numbers do not split into {n} equal rows")
    d = len(flat) // n
    return [flat[i * d:(i + 1) * d] for i in range(n)]


def _read_npy(data: bytes) -> list[list[float]]:
    if data[:6] != b"\x93NUMPY":
        raise CheckError("reference .npy: bad magic")
    major = data[6]
    if major == 1:
        hlen = struct.unpack("<H", data[8:10])[0]
        start = 10
    else:
        hlen = struct.unpack("<I", data[8:12])[0]
        start = 12
    import ast
    header = ast.literal_eval(data[start:start + hlen].decode("latin1"))
    descr, shape = header["descr"], header["shape"]
    if descr not in ("<f4", "<f8") or header.get("fortran_order"):
        raise CheckError(f"reference .npy: unsupported dtype {descr!r} / Fortran order")
    if len(shape) == 1:
        shape = (1, shape[0])
    rows, cols = shape
    body = data[start + hlen:]
    size = 4 if descr == "<f4" else 8
    fmt = "<%d%s" % (rows * cols, "f" if size == 4 else "d")
    flat = list(struct.unpack(fmt, body[:rows * cols * size]))
    return [flat[i * cols:(i + 1) * cols] for i in range(rows)]


def read_reference(path: Path, n_texts: int) -> tuple[list[list[float]], str]:
    data = path.read_bytes()
    if data[:6] == b"\x93NUMPY":
        return _read_npy(data), "npy"
    if path.suffix == ".f32":
        if len(data) % 4:
            raise CheckError(f"reference .f32: {len(data)} bytes is not a whole number of float32")
        flat = list(struct.unpack("<%df" % (len(data) // 4), data))
        return _rows_from_flat(flat, n_texts, ".f32"), "f32"
    text = data.decode("utf-8")
    stripped = text.strip()
    if stripped.startswith("{") and "\n" not in stripped:
        obj = json.loads(stripped)
        if isinstance(obj, dict) and isinstance(obj.get("data"), list):      # one OpenAI response
            return [[float(x) for x in e["embedding"]] for e in sorted(obj["data"], key=lambda e: e.get("index", 0))], "openai-json"
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    if not lines:
        raise CheckError("reference is empty")
    if lines[0].startswith("[") or lines[0].startswith("{"):
        rows = []
        for i, l in enumerate(lines, 1):
            try:
                v = json.loads(l)
            except json.JSONDecodeError as e:
                raise CheckError(f"reference line {i}: not JSON ({e})") from None
            if isinstance(v, dict):
                v = v.get("embedding")
            if not isinstance(v, list) or not all(isinstance(x, (int, float)) for x in v):
                raise CheckError(f"reference line {i}: not an array of numbers")
            rows.append([float(x) for x in v])
        return rows, "jsonl"
    try:
        flat = [float(l) for l in lines]
    except ValueError:
        raise CheckError(f"reference {path}: neither JSON lines, .npy, .f32 nor one number per line") from None
    return _rows_from_flat(flat, n_texts, "(one number per line)"), "numbers"


# ---------------------------------------------------------------- comparing

def check_shape(resp, n: int, call: str, explicit_base64: bool = False) -> list[str]:
    problems = []
    if getattr(resp, "object", None) != "list":
        problems.append(f"{call}: object is {getattr(resp, 'object', None)!r}, not 'list'")
    data = getattr(resp, "data", None) or []
    if len(data) != n:
        problems.append(f"{call}: {len(data)} embeddings for {n} inputs")
    for i, e in enumerate(data):
        if getattr(e, "object", None) != "embedding":
            problems.append(f"{call}: data[{i}].object is {getattr(e, 'object', None)!r}")
            break
        if getattr(e, "index", None) != i:
            problems.append(f"{call}: data[{i}].index is {getattr(e, 'index', None)!r}")
            break
        if explicit_base64 and not isinstance(e.embedding, str):
            problems.append(f"{call}: encoding_format=base64 but data[{i}].embedding is {type(e.embedding).__name__}")
            break
    if not getattr(resp, "model", None):
        problems.append(f"{call}: no model in the response")
    usage = getattr(resp, "usage", None)
    if usage is None or getattr(usage, "prompt_tokens", None) is None or getattr(usage, "total_tokens", None) is None:
        problems.append(f"{call}: no usage.prompt_tokens / usage.total_tokens")
    return problems


def decode_b64(s: str) -> list[float]:
    raw = base64.b64decode(s)
    if len(raw) % 4:
        raise CheckError(f"base64 embedding of {len(raw)} bytes is not whole float32s")
    return list(struct.unpack("<%df" % (len(raw) // 4), raw))


def compare(got: list[list[float]], ref: list[list[float]], call: str) -> tuple[float, list[str]]:
    problems = []
    if len(got) != len(ref):
        return math.inf, [f"{call}: {len(got)} vectors, reference has {len(ref)}"]
    worst = 0.0
    for i, (g, r) in enumerate(zip(got, ref)):
        if len(g) != len(r):
            problems.append(f"{call}: vector {i} has dimension {len(g)}, reference {len(r)}")
            worst = math.inf
            continue
        for a, b in zip(g, r):
            d = abs(float(a) - _f32(b))
            if d > worst or d != d:          # NaN counts as the worst
                worst = d if d == d else math.inf
    return worst, problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base-url", required=True, help="the server, e.g. http://127.0.0.1:8000 (/v1 is added)")
    ap.add_argument("--texts", required=True, type=Path, help="one text per line")
    ap.add_argument("--reference", required=True, type=Path, help="reference vectors (rag embed output)")
    ap.add_argument("--api-key", default=None, help="bearer key (default: $OPENAI_API_KEY, else 'none')")
    ap.add_argument("--model", default=MODEL)
    ap.add_argument("--tolerance", type=float, default=1e-6, help="largest allowed |diff| (default 1e-6)")
    ap.add_argument("--max-batch", type=int, default=256, help="most texts in one request")
    ap.add_argument("--singles", type=int, default=4, help="texts also sent one by one as a single string")
    ap.add_argument("--timeout", type=float, default=120.0)
    a = ap.parse_args()

    try:
        import openai
        from openai import OpenAI
    except ImportError:
        print("openai-sdk-check: FAIL: the openai package is missing (pip install -r scripts/ci/requirements-openai.txt)")
        return 2

    lines = [l.rstrip("\r") for l in a.texts.read_text(encoding="utf-8").split("\n")]
    texts = [l for l in lines if l.strip()]
    if not texts:
        print(f"openai-sdk-check: FAIL: no texts in {a.texts}")
        return 1
    try:
        ref, ref_format = read_reference(a.reference, len(texts))
    except (CheckError, OSError, ValueError) as e:
        print(f"openai-sdk-check: FAIL: {e}")
        return 1

    base = a.base_url.rstrip("/")
    key = a.api_key or os.environ.get("OPENAI_API_KEY") or "none"
    client = OpenAI(base_url=base + "/v1", api_key=key, timeout=a.timeout, max_retries=0)
    problems: list[str] = []
    worst: dict[str, float] = {}
    dims = set()

    def batched(encoding_format=None):
        vecs = []
        for s in range(0, len(texts), a.max_batch):
            chunk = texts[s:s + a.max_batch]
            kw = {} if encoding_format is None else {"encoding_format": encoding_format}
            r = client.embeddings.create(model=a.model, input=chunk, **kw)
            problems.extend(check_shape(r, len(chunk), f"list[{s}:{s + len(chunk)}] {encoding_format or 'default'}",
                                        explicit_base64=encoding_format == "base64"))
            for e in r.data:
                vecs.append(decode_b64(e.embedding) if isinstance(e.embedding, str) else list(e.embedding))
        return vecs

    try:
        calls = [("list (SDK default: base64 on the wire)", lambda: batched(None)),
                 ("list, encoding_format=float", lambda: batched("float")),
                 ("list, encoding_format=base64", lambda: batched("base64"))]
        for name, fn in calls:
            got = fn()
            d, p = compare(got, ref, name)
            worst[name] = d
            problems.extend(p)
            dims.update(len(v) for v in got)
        singles = []
        for i, t in enumerate(texts[:max(0, a.singles)]):
            r = client.embeddings.create(model=a.model, input=t, encoding_format="float")
            problems.extend(check_shape(r, 1, f"single string {i}"))
            if r.data:
                singles.append(list(r.data[0].embedding))
        if singles:
            d, p = compare(singles, ref[:len(singles)], "single string")
            worst["single string"] = d
            problems.extend(p)
            dims.update(len(v) for v in singles)
    except openai.APIStatusError as e:
        print(f"openai-sdk-check: FAIL: HTTP {e.status_code} from {base}/v1/embeddings: {str(e)[:300]}")
        return 1
    except openai.APIConnectionError as e:
        print(f"openai-sdk-check: FAIL: cannot reach {base}/v1/embeddings: {e}")
        return 1
    except (CheckError, ValueError, TypeError) as e:
        print(f"openai-sdk-check: FAIL: {e}")
        return 1

    max_diff = max(worst.values()) if worst else math.inf
    ref_dims = sorted({len(r) for r in ref})
    if len(dims) > 1:
        problems.append(f"dimensions differ between calls: {sorted(dims)}")
    if max_diff > a.tolerance:
        bad = ", ".join(f"{k}: {v:.2e}" for k, v in worst.items() if v > a.tolerance)
        problems.append(f"max abs diff {max_diff:.2e} > {a.tolerance:g} ({bad})")
    status = "OK" if not problems else "FAIL"
    detail = "" if not problems else ": " + "; ".join(problems[:6]) + (f" (+{len(problems) - 6} more)" if len(problems) > 6 else "")
    print(f"openai-sdk-check: {status}: {len(texts)} texts x {len(calls)} list calls + "
          f"{min(len(texts), max(0, a.singles))} single-string calls, dim {sorted(dims)} vs reference "
          f"{ref_dims} ({ref_format}, {len(ref)} rows), max abs diff {max_diff:.2e} (tolerance {a.tolerance:g}); "
          f"openai {openai.__version__}, {base}/v1{detail}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
