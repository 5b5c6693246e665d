#!/usr/bin/env bash
# Creates the Python virtual environment that fixtures/generate.py runs in (Keras 3 on the
# TensorFlow CPU backend). Only needed to regenerate the committed golden files; tests never
# need Python.
set -euo pipefail
VENV="${RECURRENT_FIXTURE_VENV:-$HOME/.cache/recurrent/fixture-venv}"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "tensorflow-cpu==2.21.*" "keras==3.15.*" pandas
fi
# fixtures/train_test_split.py compares with scikit-learn.
"$VENV/bin/python" -c "import sklearn" 2>/dev/null || "$VENV/bin/pip" install -q "scikit-learn==1.9.*"
echo "$VENV"
