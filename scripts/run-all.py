#!/usr/bin/env python3
"""Runs the lecture's nine experiments at their defaults and writes RESULTS.md.

Usage (from the repository root, after `make build`):

    RECURRENT_DATA=../shared/data scripts/run-all.py [--runs runs] [--only NAME ...] [--table-only]

Each experiment runs as `.build/release/recurrent run NAME --output runs/NAME --log-format lines`
under `/usr/bin/time -v` (for the peak memory); its `results.json` gives the accuracy, loss,
epochs and seconds per epoch. RESULTS.md is rewritten from every run folder present, so
experiments can be run one at a time (`--only`) and the table regenerated (`--table-only`); a
"## Notes" section at the end of an existing RESULTS.md is kept.
Standard library only.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time

EXPERIMENTS = ["timeseries", "textgen-rnn", "spam-rnn", "reuters-lstm", "imdb-cnn-lstm", "nsmc-lstm",
               "textgen-lstm", "imdb-lstm", "imdb-gru"]
TARGETS = {"spam-rnn": ("98.16%", 0.982), "reuters-lstm": ("71.33%", 0.715), "imdb-lstm": ("(paper 88.89%)", 0.875),
           "imdb-gru": ("", 0.875), "imdb-cnn-lstm": ("", 0.875), "nsmc-lstm": ("(Okt tokenizer)", 0.855)}
BIN = ".build/release/recurrent"


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            m = re.search(r"model name\s*:\s*(.*)", fh.read())
            cpu = m.group(1).strip() if m else cpu
    except OSError:
        cpu = platform.processor() or cpu
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(re.search(r"MemTotal:\s*(\d+)", fh.read()).group(1))
            mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}"


def run(name, runs):
    out = os.path.join(runs, name)
    log = os.path.join(runs, f"{name}.log")
    os.makedirs(runs, exist_ok=True)
    cmd = [BIN, "run", name, "--output", out, "--log-format", "lines"]
    timer = ["/usr/bin/time", "-v"] if os.path.exists("/usr/bin/time") else []
    start = time.time()
    with open(log, "w") as fh:
        p = subprocess.run(timer + cmd, stdout=fh, stderr=subprocess.STDOUT)
    seconds = time.time() - start
    peak = None
    with open(log) as fh:
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", fh.read())
        if m:
            peak = int(m.group(1)) / 1024
    meta = {"exit_code": p.returncode, "wall_seconds": seconds, "peak_mib": peak}
    with open(os.path.join(runs, f"{name}.meta.json"), "w") as fh:
        json.dump(meta, fh)
    print(f"{name}: exit {p.returncode}, {seconds:.0f} s", flush=True)


def table(runs):
    rows = []
    for name in EXPERIMENTS:
        res_path = os.path.join(runs, name, "results.json")
        meta_path = os.path.join(runs, f"{name}.meta.json")
        if not os.path.exists(res_path):
            rows.append(f"| {name} | not run | | | | | | |")
            continue
        r = json.load(open(res_path))
        meta = json.load(open(meta_path)) if os.path.exists(meta_path) else {}
        lecture, target = TARGETS.get(name, ("", None))
        if "test_accuracy" in r:
            result = f"{100 * r['test_accuracy']:.2f}% test accuracy"
            loss = f"{r['test_loss']:.4f}"
            verdict = "" if target is None else ("meets ≥ {:.1f}%".format(100 * target) if r["test_accuracy"] >= target
                                                 else "below {:.1f}%".format(100 * target))
        elif name == "textgen-rnn":
            result = f"{int(r['sentences_reproduced'])} of 3 sentences reproduced"
            loss = f"{r['train_loss']:.4f} (train)"
            verdict = "meets" if r["sentences_reproduced"] == 3 else "below"
        elif name == "timeseries":
            result = f"test MSE {r['test_loss']:.4f} (5 units {r.get('test_mse_units_5', float('nan')):.4f}, 20 units {r.get('test_mse_units_20', float('nan')):.4f})"
            loss = f"{r['test_loss']:.4f}"
            verdict = ""
        else:
            result = f"{100 * r.get('train_accuracy', float('nan')):.2f}% train accuracy"
            loss = f"{r.get('train_loss', float('nan')):.4f} (train)"
            verdict = ""
        peak = f"{meta['peak_mib']:.0f} MiB" if meta.get("peak_mib") else ""
        rows.append(f"| {name} | {result} | {lecture} {verdict} | {loss} | {int(r['epochs'])} | {r['seconds_per_epoch']:.3g} | {peak} | {meta.get('wall_seconds', 0):.1f} |")
    text = f"""# Results

The lecture's nine experiments at their default settings (seed 1), run by `scripts/run-all.py`
with the release build on {machine()}. Each run folder (`runs/NAME/`, not committed) holds the
model, the history, the charts and an `index.html`.

| experiment | result | lecture / target | loss | epochs | s/epoch | peak memory | wall s |
|---|---|---|---|---|---|---|---|
""" + "\n".join(rows) + "\n"
    # Keep the hand-written notes (from a line "## Notes" on) of an earlier RESULTS.md.
    if os.path.exists("RESULTS.md"):
        old = open("RESULTS.md").read()
        if "\n## Notes" in old:
            text += old[old.index("\n## Notes"):]
    with open("RESULTS.md", "w") as fh:
        fh.write(text)
    print(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", default="runs")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--table-only", action="store_true")
    a = ap.parse_args()
    if not a.table_only:
        if not os.path.exists(BIN):
            sys.exit(f"{BIN} is missing; run `make build` first")
        for name in a.only or EXPERIMENTS:
            run(name, a.runs)
    table(a.runs)


if __name__ == "__main__":
    main()
