"""Checks the Swift NSMC loader against pandas.read_table, row by row.

Reads nsmc/ratings_{train,test}.txt with pandas' defaults (as the lecture does) and with
`recurrent datasets dump nsmc --split S --keep-missing`, and compares id, document (NaN against
null) and label of every row. Prints the agreement and the first differences.

Run from the repository root after `swift build`:
    RECURRENT_DATA=../shared/data /work/venv-ref/bin/python scripts/check-nsmc-pandas.py [path/to/recurrent]
Needs pandas (`pip install pandas`).
"""
import json
import math
import os
import subprocess
import sys

import pandas as pd

binary = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/recurrent"
data = os.environ.get("RECURRENT_DATA", "../shared/data")
status = 0
for split in ("train", "test"):
    frame = pd.read_table(os.path.join(data, "nsmc", f"ratings_{split}.txt"))
    out = subprocess.run(
        [binary, "datasets", "dump", "nsmc", "--split", split, "--keep-missing", "--data-dir", data],
        check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    differences = []
    for (_, expected), got in zip(frame.iterrows(), rows):
        document = expected["document"]
        document = None if isinstance(document, float) and math.isnan(document) else str(document)
        if (int(expected["id"]), document, int(expected["label"])) != (got["id"], got.get("document"), got["label"]):
            differences.append((got["line"], expected.to_dict(), got))
    same = len(frame) == len(rows) and not differences
    print(f"{split}: pandas {len(frame)} rows ({frame['document'].isna().sum()} NaN), Swift {len(rows)} rows "
          f"({sum(r.get('document') is None for r in rows)} null); rows that differ: {len(differences)}"
          + ("" if len(frame) == len(rows) else " (row counts differ)"))
    for difference in differences[:5]:
        print("  ", difference)
    status |= 0 if same else 1
sys.exit(status)
