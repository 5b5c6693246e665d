"""Checks the Swift IMDB loader against the Keras-derived subset in imdb/extras/.

The subset (imdb/SOURCE.md) holds the first 5,000 train and 1,000 test sequences of Keras's
`imdb.load_data(num_words=500)` with their labels (arrays arr_0..arr_3, object arrays, so
`allow_pickle=True`). This script runs
    recurrent datasets dump imdb --num-words 500 --split S --limit N
for both splits and compares sequence by sequence and token by token, labels included.

Run from the repository root after `swift build`:
    RECURRENT_DATA=../shared/data /work/venv-ref/bin/python scripts/check-imdb-agreement.py [path/to/recurrent]
Needs numpy.
"""
import json
import os
import subprocess
import sys

import numpy as np

binary = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/recurrent"
data = os.environ.get("RECURRENT_DATA", "../shared/data")
subset = np.load(os.path.join(data, "imdb", "extras", "keras_imdb_first5000train_1000test_num_words500.npz"),
                 allow_pickle=True)
status = 0
for split, xs, ys in (("train", subset["arr_0"], subset["arr_1"]), ("test", subset["arr_2"], subset["arr_3"])):
    out = subprocess.run(
        [binary, "datasets", "dump", "imdb", "--num-words", "500", "--split", split, "--limit", str(len(xs)),
         "--data-dir", data],
        check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    same_sequences = same_labels = same_tokens = tokens = 0
    first_difference = None
    for i, (x, y, row) in enumerate(zip(xs, ys, rows)):
        x = [int(v) for v in x]
        same_sequences += x == row["ids"]
        same_labels += int(y) == row["label"]
        tokens += max(len(x), len(row["ids"]))
        same_tokens += sum(a == b for a, b in zip(x, row["ids"]))
        if first_difference is None and (x != row["ids"] or int(y) != row["label"]):
            first_difference = i
    print(f"{split}: {len(rows)} of {len(xs)} sequences produced; identical sequences {same_sequences}/{len(xs)}, "
          f"labels {same_labels}/{len(xs)}, tokens {same_tokens}/{tokens} ({100 * same_tokens / max(tokens, 1):.4f}%)"
          + (f"; first difference at {first_difference}" if first_difference is not None else ""))
    status |= 0 if (same_sequences == len(xs) and same_labels == len(xs) and len(rows) == len(xs)) else 1
sys.exit(status)
