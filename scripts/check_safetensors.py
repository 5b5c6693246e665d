#!/usr/bin/env python3
"""Checks that model files written by Recurrent are readable by Python's safetensors and Keras.

For each file given, it
  1. loads the tensors with ``safetensors.numpy.load_file`` and the metadata with ``safe_open``;
  2. checks ``format`` / ``format_version`` and recomputes the ``checksum`` (SHA-256 of the file
     with its 64 digits written as ``0``) independently of the Swift code;
  3. rebuilds the model in Keras 3 from the ``architecture`` metadata (each layer through
     ``keras.layers.deserialize`` of Recurrent's ``{"class_name", "config"}``), sets the weights in
     file order (checking every shape against Keras's own weights), and
  4. when the file has a ``probe`` attachment (an input and Recurrent's prediction), predicts
     with Keras and compares (tolerance 1e-5, the one of the layer golden tests: two float32
     implementations of the same formulas).

How to run (from the repository root; safetensors: ``/work/venv-ref/bin/pip install safetensors``)::

    swift build --build-tests
    RECURRENT_SAMPLE_MODELS=/tmp/recurrent-samples .build/debug/RecurrentPackageTests.xctest \\
        --testing-library swift-testing --filter writeSamplesForPython
    /work/venv-ref/bin/python scripts/check_safetensors.py /tmp/recurrent-samples/*.rcnn

Not part of the Swift tests (it needs Python with safetensors and Keras).
"""

import hashlib
import json
import os
import struct
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")

import numpy as np  # noqa: E402
from safetensors import safe_open  # noqa: E402
from safetensors.numpy import load_file  # noqa: E402


def check(path):
    tensors = load_file(path)
    with safe_open(path, framework="np") as f:
        metadata = f.metadata()
    assert metadata["format"] == "recurrent", metadata.get("format")
    assert metadata["format_version"] == "1", metadata.get("format_version")

    # The checksum, recomputed here from its definition.
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert (8 + n) % 8 == 0, "header not padded to a multiple of 8"
    stored = metadata["checksum"]
    assert stored.startswith("sha256:") and len(stored) == 7 + 64
    marker = b'"checksum":"sha256:'
    at = raw.index(marker, 8, 8 + n) + len(marker)
    zeroed = raw[:at] + b"0" * 64 + raw[at + 64:]
    assert hashlib.sha256(zeroed).hexdigest() == stored[7:], "checksum mismatch"

    # Tensor order in the data = model order.
    header = json.loads(raw[8:8 + n])
    names = sorted((k for k in header if k != "__metadata__"), key=lambda k: header[k]["data_offsets"][0])
    weights = [k for k in names if not k.startswith("optimizer/")]
    for k in names:
        assert tensors[k].dtype == np.float32 and list(tensors[k].shape) == header[k]["shape"]

    import keras  # noqa: E402
    arch = json.loads(metadata["architecture"])
    assert arch["class_name"] == "Sequential"
    config = arch["config"]
    layers = [keras.layers.deserialize(spec) for spec in config["layers"]]
    model = keras.Sequential([keras.Input(tuple(config["input_shape"]))] + layers, name=config["name"])
    assert len(model.weights) == len(weights), (len(model.weights), len(weights))
    for w, name in zip(model.weights, weights):
        assert tuple(w.shape) == tensors[name].shape, (w.path, name, w.shape, tensors[name].shape)
    probe = json.loads(json.loads(metadata["attachments"]).get("probe", "null"))
    if probe is not None:
        x = np.array(probe["input"]["data"], dtype=np.float32).reshape(probe["input"]["shape"])
        before = np.asarray(model(x, training=False))  # Keras's own random weights
    model.set_weights([tensors[name] for name in weights])
    slots = [k for k in names if k.startswith("optimizer/")]
    if slots:
        optimizer = json.loads(metadata["optimizer"])
        listed = [f"optimizer/{s['weight']}/{s['slot']}" for s in optimizer["slots"]]
        assert sorted(listed) == sorted(slots), "optimizer slots in the metadata and the tensors differ"
        for s in optimizer["slots"]:
            assert tensors[f"optimizer/{s['weight']}/{s['slot']}"].shape == tensors[s["weight"]].shape
    print(f"{path}: {len(weights)} weights and {len(slots)} optimizer slots, metadata keys {sorted(metadata)}, checksum ok, "
          f"Keras model '{model.name}' with {model.count_params():,} parameters")

    if probe is not None:
        expected = np.array(probe["output"]["data"], dtype=np.float32).reshape(probe["output"]["shape"])
        actual = np.asarray(model(x, training=False))
        worst = float(np.max(np.abs(actual - expected)))
        unloaded = float(np.max(np.abs(before - expected)))
        print(f"  Keras prediction vs Recurrent's: shape {actual.shape}, max |difference| = {worst:.3g} "
              f"(with Keras's own initial weights instead: {unloaded:.3g})")
        assert actual.shape == expected.shape and worst <= 1e-5, "predictions differ"
        assert unloaded > 1e-3, "the probe does not depend on the weights enough to check them"


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    for path in sys.argv[1:]:
        check(path)
    print("all files ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
