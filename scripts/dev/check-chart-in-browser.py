#!/usr/bin/env python3
"""check-chart-in-browser.py: opens a learning-curve SVG (`rag compare --curve-svg`) or HTML page (`--curve-html`) in headless Chromium and checks what it drew.

The browser parses the file (its DOM must hold one polyline and one band per technique of the legend) and
renders it to a PNG, in which every technique's colour must cover pixels of its own (a line that drew
nothing, or an SVG the browser refused, fails). Standard library only; Chromium from Debian
(`apt-get install --no-install-recommends chromium`; installed here when missing and run as root).

usage: python3 scripts/dev/check-chart-in-browser.py [Benchmarks/results/curve_minilm.svg | curve.html] [--png OUT.png]
"""
import argparse, os, re, shutil, struct, subprocess, sys, tempfile, zlib
from pathlib import Path


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, stdout=subprocess.DEVNULL)
        return shutil.which("chromium")
    sys.exit("chromium is not installed: sudo apt-get install --no-install-recommends chromium")


def png_pixels(path: Path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB or RGBA PNG, as Chromium writes them."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), f"PNG depth {depth} colour type {colour}"
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1: line[i] = (line[i] + a) & 255
            elif kind == 2: line[i] = (line[i] + b) & 255
            elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * channels:x * channels + 3]) for x in range(width)]); prev = line
    return width, height, rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("svg", nargs="?", default="Benchmarks/results/curve_minilm.svg")
    ap.add_argument("--png")
    a = ap.parse_args()
    svg = Path(a.svg).resolve()
    text = svg.read_text()
    size = re.search(r'width="([\d.]+)" height="([\d.]+)"', text)
    w, h = int(float(size.group(1))), int(float(size.group(2)))
    if svg.suffix == ".html":
        w, h = 1200, 1400  # the page: title, chart, table
    # The legend: a coloured line then the technique's name.
    legend = re.findall(r'stroke="(#[0-9A-Fa-f]{6})" stroke-width="2"/>\n<text [^>]*>([^<]+)</text>', text)
    assert legend, "no legend in the SVG"
    browser = chromium()
    common = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--window-size={w},{h}"]
    dom = subprocess.run(common + ["--dump-dom", svg.as_uri()], capture_output=True, text=True, timeout=120).stdout
    problems = []
    for element in ("polyline", "polygon"):
        if dom.count(f"<{element} ") != len(legend):
            problems.append(f"the browser's DOM holds {dom.count(f'<{element} ')} {element} elements for {len(legend)} techniques")
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(a.png).resolve() if a.png else Path(tmp) / "chart.png"
        subprocess.run(common + [f"--screenshot={png}", svg.as_uri()], capture_output=True, timeout=120, check=True)
        width, height, rows = png_pixels(png)
        counts = {}
        for row in rows:
            for px in row:
                counts[px] = counts.get(px, 0) + 1
    for colour, name in legend:
        rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
        near = sum(n for px, n in counts.items() if max(abs(px[i] - rgb[i]) for i in range(3)) <= 12)
        print(f"{name:>16}: {near} pixels of {colour}")
        if near < 150:  # the legend's own swatch is about 48
            problems.append(f"{name} ({colour}) covers {near} pixels")
    version = subprocess.run([browser, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{version}: {svg.name} rendered at {width}x{height}, {len(legend)} techniques")
    if problems:
        sys.exit("; ".join(problems))
    print("ok")


if __name__ == "__main__":
    main()
