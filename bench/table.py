#!/usr/bin/env python3
"""Print a markdown table from the JSON lines of `recurrent bench --json` and bench/peers.py.

Usage: table.py [FILE ...]   (reads standard input when no file, or "-", is given)

Each input line that is a JSON object with "framework", "case", "mode" and
"samples_per_s" is one measurement; other lines are ignored. Where one
(framework, case, mode) was measured more than once, the fastest run is kept.

Columns: samples/s of Recurrent, PyTorch and Keras at the same batch, and
ratio = Recurrent / the faster of the two peers (above 1: Recurrent is faster).
A Keras figure measured with XLA (jit_compile=True) is marked "(XLA)". A figure
marked "*" was measured while other processes kept at least BUSY cores busy
(the "other_cpu_seconds_per_wall_second" key): it is probably too low.
Only the standard library is used, so any python3 runs it.
"""

import json
import sys

BUSY = 0.25
NAMES = {"recurrent": "Recurrent", "torch": "PyTorch", "keras": "Keras"}
CASE_ORDER = ["A-LSTM", "A-GRU", "B", "C", "D"]
MODE_ORDER = ["train", "infer"]


def read(paths):
    rows = {}  # (framework, case, mode) -> (samples/s, record)
    batches = {}
    streams = [sys.stdin] if not paths else [sys.stdin if p == "-" else open(p) for p in paths]
    for stream in streams:
        for line in stream:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(rec, dict) or not {"framework", "case", "mode", "samples_per_s"} <= rec.keys():
                continue
            key = (rec["framework"], rec["case"], rec["mode"])
            value = float(rec["samples_per_s"])
            if key not in rows or value > rows[key][0]:
                rows[key] = (value, rec)
            if "batch" in rec:
                batches[(rec["case"], rec["mode"])] = rec["batch"]
    return rows, batches


def order(seq, known):
    return sorted(set(seq), key=lambda v: (known.index(v) if v in known else len(known), v))


def fmt(entry):
    if entry is None:
        return "—"
    v, rec = entry
    text = f"{v:,.0f}" if v >= 100 else f"{v:,.1f}"
    if str(rec.get("variant", "")).startswith("XLA"):
        text += " (XLA)"
    if (rec.get("other_cpu_seconds_per_wall_second") or 0) >= BUSY:
        text += " *"
    return text


def table(rows, batches):
    cases = order((k[1] for k in rows), CASE_ORDER)
    modes = order((k[2] for k in rows), MODE_ORDER)
    busy = False
    lines = [
        "| case | mode | batch | Recurrent samples/s | PyTorch samples/s | Keras samples/s | ratio (Recurrent ÷ faster peer) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for case in cases:
        for mode in modes:
            got = {fw: rows.get((fw, case, mode)) for fw in NAMES}
            if all(v is None for v in got.values()):
                continue
            busy = busy or any(
                (e[1].get("other_cpu_seconds_per_wall_second") or 0) >= BUSY for e in got.values() if e
            )
            peers = [e[0] for fw, e in got.items() if fw != "recurrent" and e is not None]
            best_peer = max(peers) if peers else None
            ours = got["recurrent"][0] if got["recurrent"] else None
            if ours is not None and best_peer:
                ratio = f"{ours / best_peer:.2f}×"
            else:
                ratio = "—"
            lines.append(
                f"| {case} | {mode} | {batches.get((case, mode), '')} | {fmt(got['recurrent'])} | "
                f"{fmt(got['torch'])} | {fmt(got['keras'])} | {ratio} |"
            )
    if busy:
        lines.append("")
        lines.append(f"\\* measured while other processes kept ≥ {BUSY} cores busy: probably too low; rerun on an idle machine.")
    return "\n".join(lines)


def main(argv):
    rows, batches = read(argv[1:])
    if not rows:
        print("table.py: no measurements found in the input", file=sys.stderr)
        return 1
    print(table(rows, batches))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
