#!/usr/bin/env python3
"""Merge craton-p11-bench CSVs into one Markdown table and an SVG bar chart.

    merge_results.py --craton C.csv --softhsm S.csv --openssl O.csv [--svg chart.svg]

A CSV that does not exist makes its column read "missing" (the module was not
there). Standard library only: this runs wherever python3 does.
"""
import argparse
import csv
import os
import sys
from xml.sax.saxutils import escape

MODULES = ("craton", "softhsm", "openssl")


def load(path):
    """{(case, threads): row} in file order, or None when the file is absent."""
    if not path or not os.path.exists(path):
        return None
    with open(path, newline="") as f:
        return {(r["case"], int(r["threads"])): r for r in csv.DictReader(f)}


def rate(row):
    """ops/s of a successful row, else None."""
    if row and row["status"] == "ok" and row["ops_per_sec"]:
        return float(row["ops_per_sec"])
    return None


def cell(runs, module, key):
    if runs[module] is None:
        return "missing"
    row = runs[module].get(key)
    if row is None:
        return "-"  # the case does not exist for this module (no OpenSSL find)
    value = rate(row)
    if value is None:
        return row["result"]  # n/a, skip, or the error code in hex
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt_ratio(r):
    return "" if r is None else f"{r:.2f}x"


def target(case):
    """(text, check) where check(runs_rates, key) -> bool for the craton value."""
    if case.startswith("keygen_"):
        return "≥0.80x openssl", lambda v: v["craton/openssl"] is not None and v["craton/openssl"] >= 0.80
    if case.endswith("_4k"):
        return "≥0.70x openssl", lambda v: v["craton/openssl"] is not None and v["craton/openssl"] >= 0.70
    if case.endswith("_1m") or case.startswith(("rsa", "ecdsa", "ed25519", "ml_dsa", "ml_kem",
                                                "slh_dsa")):
        return "≥0.95x openssl", lambda v: v["craton/openssl"] is not None and v["craton/openssl"] >= 0.95
    if case == "find_10k":
        return "≥100,000/s", lambda v: v["craton"] is not None and v["craton"] >= 100000
    if case == "find_100k":
        return "≥0.5x find_1k", lambda v: v["find_ratio"] is not None and v["find_ratio"] >= 0.5
    if case == "create_token_object":
        return "≥5x softhsm", lambda v: v["craton/softhsm"] is not None and v["craton/softhsm"] >= 5
    return "", None


def ordered_keys(runs):
    keys, seen = [], set()
    for module in MODULES:
        for key in runs[module] or {}:
            if key not in seen:
                seen.add(key)
                keys.append(key)
    order = {}
    for case, _ in keys:
        order.setdefault(case, len(order))
    return sorted(keys, key=lambda k: (order[k[0]], k[1]))


def values(runs, key):
    get = lambda m, k=key: rate((runs[m] or {}).get(k))
    v = {m: get(m) for m in MODULES}
    v["craton/openssl"] = ratio(v["craton"], v["openssl"])
    v["craton/softhsm"] = ratio(v["craton"], v["softhsm"])
    v["softhsm/openssl"] = ratio(v["softhsm"], v["openssl"])
    v["find_ratio"] = ratio(v["craton"], get("craton", ("find_1k", key[1])))
    return v


def main_table(runs, keys):
    lines = ["| case | threads | craton ops/s | softhsm ops/s | openssl ops/s | craton/openssl "
             "| craton/softhsm | softhsm/openssl | craton target | met |",
             "|---|--:|--:|--:|--:|--:|--:|--:|---|---|"]
    for key in keys:
        v = values(runs, key)
        text, check = target(key[0])
        met = "" if check is None or v["craton"] is None else ("yes" if check(v) else "NO")
        lines.append(f"| {key[0]} | {key[1]} | {cell(runs, 'craton', key)} | "
                     f"{cell(runs, 'softhsm', key)} | {cell(runs, 'openssl', key)} | "
                     f"{fmt_ratio(v['craton/openssl'])} | {fmt_ratio(v['craton/softhsm'])} | "
                     f"{fmt_ratio(v['softhsm/openssl'])} | {text} | {met} |")
    return lines


def scaling_table(runs, keys):
    """Most threads vs. one thread, per module (target: 2 threads ≥1.8x)."""
    counts = sorted({k[1] for k in keys})
    if len(counts) < 2:
        return []
    top = counts[-1]
    lines = ["", f"Thread scaling ({top} threads / 1 thread; craton target ≥{0.9 * top:.1f}x):", "",
             "| case | craton | softhsm | openssl |", "|---|--:|--:|--:|"]
    for case in dict.fromkeys(k[0] for k in keys):
        row = [fmt_ratio(ratio(rate((runs[m] or {}).get((case, top))),
                               rate((runs[m] or {}).get((case, 1))))) for m in MODULES]
        lines.append(f"| {case} | " + " | ".join(r or "-" for r in row) + " |")
    return lines


# ---- SVG: per case and thread count, each module's ops/s relative to OpenSSL ----

COLORS = {"craton": "#1f77b4", "softhsm": "#ff7f0e"}
LABEL_W, PLOT_W, BAR_H, ROW_GAP, TOP = 210, 560, 9, 8, 70
TARGETS = {"≥0.95x openssl": 0.95, "≥0.80x openssl": 0.80, "≥0.70x openssl": 0.70}


def svg_chart(runs, keys):
    rows = [(k, values(runs, k)) for k in keys if values(runs, k)["openssl"] is not None]
    biggest = max([v[m + "/openssl"] or 0 for _, v in rows for m in COLORS] + [1.2])
    scale = PLOT_W / (biggest * 1.08)
    row_h = 2 * BAR_H + ROW_GAP
    height = TOP + row_h * len(rows) + 30
    width = LABEL_W + PLOT_W + 80
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           '<text x="10" y="20" font-size="15" font-weight="bold">'
           'ops/s relative to raw OpenSSL (1.0 = OpenSSL EVP in-process)</text>']
    present = {m: runs[m] is not None for m in COLORS}
    out += legend(present)
    out += grid(biggest, scale, height)
    for i, (key, v) in enumerate(rows):
        out += bar_row(TOP + i * row_h, key, v, scale, runs, present)
    out.append("</svg>")
    return "\n".join(out)


def legend(present):
    parts, x = [], 10
    for module, color in COLORS.items():
        missing = "" if present[module] else " (missing)"
        parts.append(f'<rect x="{x}" y="32" width="12" height="12" fill="{color}"/>')
        parts.append(f'<text x="{x + 16}" y="42">{module} / openssl{missing}</text>')
        x += 170
    parts.append(f'<line x1="{x}" y1="31" x2="{x}" y2="45" stroke="#d62728" stroke-width="2"/>')
    parts.append(f'<text x="{x + 6}" y="42">craton target</text>')
    return parts


def grid(biggest, scale, height):
    parts, step = [], 0.25 if biggest <= 2 else 0.5
    tick = 0.0
    while tick <= biggest * 1.08:
        x = LABEL_W + tick * scale
        color, w = ("#444", 1.5) if abs(tick - 1.0) < 1e-9 else ("#ddd", 1)
        parts.append(f'<line x1="{x:.1f}" y1="{TOP - 8}" x2="{x:.1f}" y2="{height - 24}" '
                     f'stroke="{color}" stroke-width="{w}"/>')
        label = "1.00 = openssl" if abs(tick - 1.0) < 1e-9 else f"{tick:.2f}"
        parts.append(f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle">{label}</text>')
        tick += step
    return parts


def bar_row(y, key, v, scale, runs, present):
    parts = [f'<text x="{LABEL_W - 6}" y="{y + BAR_H + 4}" text-anchor="end">'
             f'{escape(key[0])} ×{key[1]}</text>']
    for j, (module, color) in enumerate(COLORS.items()):
        r = v[module + "/openssl"]
        by = y + j * BAR_H
        if r is None:
            # A module that ran but has no number here says why (n/a, error code).
            if present[module]:
                parts.append(f'<text x="{LABEL_W + 4}" y="{by + BAR_H - 1}" fill="#888" '
                             f'font-size="9">{module}: {escape(cell(runs, module, key))}</text>')
            continue
        parts.append(f'<rect x="{LABEL_W}" y="{by}" width="{max(r * scale, 1):.1f}" '
                     f'height="{BAR_H - 1}" fill="{color}"/>')
        parts.append(f'<text x="{LABEL_W + r * scale + 4:.1f}" y="{by + BAR_H - 1}" '
                     f'font-size="9">{r:.3g}</text>')
    goal = TARGETS.get(target(key[0])[0])
    if goal:
        x = LABEL_W + goal * scale
        parts.append(f'<line x1="{x:.1f}" y1="{y - 1}" x2="{x:.1f}" y2="{y + 2 * BAR_H}" '
                     f'stroke="#d62728" stroke-width="2"/>')
    return parts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for module in MODULES:
        ap.add_argument(f"--{module}", help=f"CSV written by the {module} run")
    ap.add_argument("--svg", help="write the bar chart here")
    args = ap.parse_args()
    runs = {m: load(getattr(args, m)) for m in MODULES}
    if all(r is None for r in runs.values()):
        sys.exit("merge_results: none of the CSV files exist")
    keys = ordered_keys(runs)
    print("\n".join(main_table(runs, keys) + scaling_table(runs, keys)))
    if args.svg:
        with open(args.svg, "w") as f:
            f.write(svg_chart(runs, keys))


if __name__ == "__main__":
    main()
