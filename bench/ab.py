#!/usr/bin/env python3
"""Old against new: two `recurrent` binaries benchmarked alone, in interleaved rounds.

Each round runs `recurrent bench --json` once with each binary, one after the other (never at
the same time); the order alternates A B, B A, A B, ... so that drift in the machine's speed
(other tenants, thermal state) falls on both equally. For every case and mode it prints each
binary's median samples/s over the rounds, the spread (min–max as a percentage of the median)
and the ratio of the medians, new ÷ old.

    bench/ab.py OLD_BINARY NEW_BINARY [--rounds 5] [--seconds 2] [--cases A-LSTM,B] [--mode train,infer]

Used for issue 15's "no slowdown" check: medians within 3% on every row. Runs on these machines
vary by up to 30% from run to run, so a single round proves nothing.
"""
import argparse
import json
import statistics
import subprocess
import sys


def run(binary, args):
    out = subprocess.run([binary, "bench", "--json", *args], check=True, capture_output=True, text=True).stdout
    rows = {}
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            r = json.loads(line)
            rows[(r["case"], r["mode"])] = r["samples_per_s"]
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--seconds", type=float, default=2)
    p.add_argument("--cases", default="A-LSTM,A-GRU,B,C,D")
    p.add_argument("--mode", default="train,infer")
    a = p.parse_args()
    if a.rounds < 1:
        sys.exit("--rounds must be at least 1")
    args = ["--seconds", str(a.seconds), "--cases", a.cases, "--mode", a.mode]
    samples = {"old": {}, "new": {}}
    for i in range(a.rounds):
        order = [("old", a.old), ("new", a.new)] if i % 2 == 0 else [("new", a.new), ("old", a.old)]
        for label, binary in order:
            for key, value in run(binary, args).items():
                samples[label].setdefault(key, []).append(value)
        print(f"round {i + 1}/{a.rounds} done", file=sys.stderr, flush=True)
    print(f"{'case':<7} {'mode':<6} {'old median':>11} {'spread':>8} {'new median':>11} {'spread':>8} {'new/old':>8}")
    worst = None
    for key in samples["old"]:
        old, new = samples["old"][key], samples["new"].get(key, [])
        if not new:
            continue
        mo, mn = statistics.median(old), statistics.median(new)
        so = (max(old) - min(old)) / mo * 100
        sn = (max(new) - min(new)) / mn * 100
        ratio = mn / mo
        worst = ratio if worst is None else min(worst, ratio)
        print(f"{key[0]:<7} {key[1]:<6} {mo:>11.1f} {so:>7.1f}% {mn:>11.1f} {sn:>7.1f}% {ratio:>7.3f}×")
    if worst is not None:
        print(f"lowest new/old ratio of medians: {worst:.3f}")


if __name__ == "__main__":
    main()
