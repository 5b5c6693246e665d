#!/usr/bin/env python3
"""Time PyTorch and Keras (TensorFlow backend) on the shapes of `recurrent bench`.

Each (framework, case) pair runs in its own fresh Python subprocess, so that the
thread settings are applied before the framework does any work, and so that no
state (graphs, allocator caches, traced functions) leaks from one case to the next.

Output: one JSON line per measurement on stdout, e.g.
  {"framework": "torch", "case": "A-LSTM", "mode": "train", "batch": 64,
   "samples_per_s": 231.4, "seconds_per_batch": 0.2766, "threads": 2, ...}
Progress and framework chatter go to stderr.

Shapes (the same as `recurrent bench`):
  A-LSTM  IMDB     Embedding(5000, 120)  -> LSTM(120)      -> Dense(1, sigmoid)   len 500
  A-GRU   IMDB     Embedding(5000, 120)  -> GRU(120)       -> Dense(1, sigmoid)   len 500
  B       Reuters  Embedding(1000, 120)  -> LSTM(120)      -> Dense(46, softmax)  len 100
  C       spam     Embedding(8921, 32)   -> SimpleRNN(32)  -> Dense(1, sigmoid)   len 189
  D       NSMC     Embedding(35000, 100) -> LSTM(128)      -> Dense(1, sigmoid)   len 30
Training step = forward + backward + Adam(lr=1e-3) update at batch 64.
Inference = forward only, batch 256.
Inputs are random token ids in [1, vocab) (no padding, no masking), labels random.

How each framework is timed (the fastest honest setup we found for each, on
a 2-core x86 machine; every knob is a stock, documented option that leaves the
model and its arithmetic unchanged):
  torch  nn.Embedding -> nn.LSTM / nn.GRU / nn.RNN(tanh) (batch_first) -> nn.Linear
         on the last step's output; loss on logits (BCEWithLogitsLoss /
         CrossEntropyLoss); torch.optim.Adam(lr=1e-3, fused=True). Inference
         under torch.inference_mode(), module in eval() mode.
         torch.set_flush_denormal(True): TensorFlow flushes denormals by
         default; without it PyTorch's backward through 500 steps crawls on
         denormal gradients (A-LSTM training ~40 instead of ~230 samples/s).
         oneDNN (mkldnn) stays on: it is PyTorch's fast CPU LSTM path.
  keras  keras.Sequential of the stock layers, compiled with Adam(1e-3) and the
         loss; training times `model.train_on_batch`. Inference times a
         tf.function-wrapped `model(x, training=False)` on a ready tf.Tensor,
         i.e. what predict_on_batch runs minus its per-call Python overhead
         (`--keras-infer predict_on_batch` times that instead). On a CPU the
         Keras LSTM/GRU run their cell in a tf.while_loop (cuDNN is GPU-only).
         Both jit_compile=False (Keras' own choice on a CPU-only machine) and
         jit_compile=True (XLA) are measured by default; table.py keeps the
         faster. TensorFlow gets inter-op threads = --threads (its default on
         a 2-core machine): with 1 inter-op thread it runs one graph op at a
         time, the RNN step's small ops are too small to split across the
         intra-op pool, and it loses ~35% (A-LSTM training 183 vs 270
         samples/s). On a machine with more cores than --threads, that lets
         TensorFlow use up to 2 x --threads threads; cpu_seconds_per_wall_second
         in the output shows how many cores it actually kept busy.
Warmup steps (tracing, first-call allocation) are never counted.
"""

import argparse
import json
import os
import subprocess
import sys
import time

CASES = {
    # name: (vocab, embed, cell, units, seq_len, classes)
    "A-LSTM": (5000, 120, "lstm", 120, 500, 1),
    "A-GRU": (5000, 120, "gru", 120, 500, 1),
    "B": (1000, 120, "lstm", 120, 100, 46),
    "C": (8921, 32, "rnn", 32, 189, 1),
    "D": (35000, 100, "lstm", 128, 30, 1),
}
BATCH = {"train": 64, "infer": 256}
FRAMEWORKS = ("torch", "keras")
SEED = 1234


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# Steps cycle through this many random batches (as Recurrent's bench does), so that the rows
# of an embedding a step uses change from step to step as in real training.
POOL = 8


def make_data(case, mode):
    """POOL random batches (token ids and targets) for the case's shapes."""
    import numpy as np

    vocab, _, _, _, seq_len, classes = CASES[case]
    rng = np.random.default_rng(SEED)
    batch = BATCH[mode]
    xs, ys = [], []
    for _ in range(POOL):
        xs.append(rng.integers(1, vocab, size=(batch, seq_len), dtype=np.int64))
        if classes == 1:
            ys.append(rng.integers(0, 2, size=(batch, 1)).astype(np.float32))
        else:
            ys.append(rng.integers(0, classes, size=(batch,), dtype=np.int64))
    return xs, ys


def cycle(items):
    """A function that returns the next item of `items` at each call, round and round."""
    state = {"i": -1}

    def nxt():
        state["i"] = (state["i"] + 1) % len(items)
        return items[state["i"]]

    return nxt


def _busy_seconds():
    """CPU seconds that all processes on the machine have spent busy so far
    (Linux /proc/stat), or None elsewhere."""
    try:
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def wait_idle(limit, threshold=0.15):
    """Wait (at most `limit` seconds) until the rest of the machine uses less
    than `threshold` cores over a one-second look. Linux only; a no-op elsewhere."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        b0, c0, t0 = _busy_seconds(), time.process_time(), time.perf_counter()
        if b0 is None:
            return
        time.sleep(1.0)
        others = (_busy_seconds() - b0 - (time.process_time() - c0)) / (time.perf_counter() - t0)
        if others < threshold:
            return


def measure(step, warmup, seconds, repeats=1, min_steps=3, idle_wait=0.0):
    """Run `step` `warmup` times untimed, then time it for at least `seconds`
    (and at least min_steps steps), `repeats` times; keep the fastest window.
    `step` must block until its result has been computed.

    Returns a dict: seconds_per_batch (mean over the kept window), median and
    fastest single step, steps counted, the process' CPU seconds per wall
    second over that window, and (Linux) the CPU seconds per wall second that
    *other* processes used meanwhile: above ~0.1 the machine was not quiet and
    the result is low (PyTorch's OpenMP pool suffers most: a descheduled
    thread stalls every parallel region).
    """
    for _ in range(warmup):
        step()
    best = None
    for _ in range(max(1, repeats)):
        if idle_wait > 0:
            wait_idle(idle_wait)
        times = []
        cpu0 = time.process_time()
        busy0 = _busy_seconds()
        start = time.perf_counter()
        while True:
            t = time.perf_counter()
            step()
            now = time.perf_counter()
            times.append(now - t)
            if now - start >= seconds and len(times) >= min_steps:
                break
        wall = now - start
        cpu = time.process_time() - cpu0
        busy1 = _busy_seconds()
        times.sort()
        window = {
            "seconds_per_batch": wall / len(times),
            "median_seconds_per_batch": times[len(times) // 2],
            "min_seconds_per_batch": times[0],
            "steps": len(times),
            "cpu_seconds_per_wall_second": cpu / wall,
        }
        if busy0 is not None and busy1 is not None:
            window["other_cpu_seconds_per_wall_second"] = max(0.0, (busy1 - busy0 - cpu) / wall)
        if best is None or window["seconds_per_batch"] < best["seconds_per_batch"]:
            best = window
    return best


# --------------------------------------------------------------------------- torch


def torch_worker(args):
    import torch
    from torch import nn

    # Flush denormal floats to zero (FTZ/DAZ), as TensorFlow does by default in
    # its own threads. Back-propagating through 500 time steps drives gradients
    # into the denormal range; without this, PyTorch's LSTM/GRU backward on x86
    # runs ~6x slower (A-LSTM training: ~40 instead of ~230 samples/s).
    # Set before the OpenMP pool is started: its threads inherit the mode.
    torch.set_flush_denormal(bool(args.torch_flush_denormal))
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)  # only used by TorchScript's fork; nothing here
    torch.manual_seed(SEED)
    # oneDNN (mkldnn) runs PyTorch's CPU LSTM; --torch-mkldnn 0 uses ATen's own loop.
    torch.backends.mkldnn.enabled = bool(args.torch_mkldnn)

    class Net(nn.Module):
        def __init__(self, vocab, embed, cell, units, classes):
            super().__init__()
            self.embedding = nn.Embedding(vocab, embed)
            if cell == "lstm":
                self.rnn = nn.LSTM(embed, units, batch_first=True)
            elif cell == "gru":
                # nn.GRU applies the reset gate after the recurrent matmul:
                # the same formulation as Keras' GRU(reset_after=True).
                self.rnn = nn.GRU(embed, units, batch_first=True)
            else:
                self.rnn = nn.RNN(embed, units, nonlinearity="tanh", batch_first=True)
            self.head = nn.Linear(units, classes)

        def forward(self, x):
            out, _ = self.rnn(self.embedding(x))
            return self.head(out[:, -1, :])  # logits

    for case in args.cases:
        vocab, embed, cell, units, _, classes = CASES[case]
        model = Net(vocab, embed, cell, units, classes)
        for mode in args.modes:
            xs_np, ys_np = make_data(case, mode)
            batches = cycle([(torch.from_numpy(a), torch.from_numpy(b)) for a, b in zip(xs_np, ys_np)])
            flags = ["FTZ" if args.torch_flush_denormal else "no FTZ", "mkldnn" if args.torch_mkldnn else "no mkldnn"]
            if mode == "train":
                model.train()
                # fused=True: PyTorch's single-kernel Adam for CPU tensors (2.4+),
                # the same update as the default per-tensor loop, several times
                # faster on the 3.5M-weight embedding of case D.
                opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=bool(args.torch_fused_adam))
                flags.append("fused Adam" if args.torch_fused_adam else "for-loop Adam")
                loss_fn = nn.BCEWithLogitsLoss() if classes == 1 else nn.CrossEntropyLoss()

                def step():
                    x, y = batches()
                    opt.zero_grad(set_to_none=True)
                    loss = loss_fn(model(x), y)
                    loss.backward()
                    opt.step()
                    return loss.item()
            else:
                model.eval()
                flags.append("inference_mode")

                def step():
                    x, _ = batches()
                    with torch.inference_mode():
                        return model(x)

            emit(args, "torch", case, mode, measure(step, args.warmup, args.seconds, args.repeats, idle_wait=args.wait_idle),
                 torch.__version__, ", ".join(flags))


# --------------------------------------------------------------------------- keras


def keras_worker(args):
    os.environ["KERAS_BACKEND"] = "tensorflow"
    import tensorflow as tf

    # Must happen before TensorFlow runs any op.
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.keras_inter_op)
    import keras

    version = f"keras {keras.__version__}, tensorflow {tf.__version__}"
    jit_settings = {"off": [False], "on": [True], "both": [False, True]}[args.keras_jit]
    for case in args.cases:
        vocab, embed, cell, units, seq_len, classes = CASES[case]
        layer = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN}[cell]
        for jit in jit_settings:
            keras.utils.set_random_seed(SEED)
            model = keras.Sequential(
                [
                    keras.Input(shape=(seq_len,), dtype="int32"),
                    keras.layers.Embedding(vocab, embed),
                    layer(units),  # GRU: reset_after=True is Keras' default
                    keras.layers.Dense(classes, activation="sigmoid" if classes == 1 else "softmax"),
                ]
            )
            model.compile(
                optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                loss="binary_crossentropy" if classes == 1 else "sparse_categorical_crossentropy",
                # Keras' "auto" means off on a CPU-only machine; XLA is a stock
                # option, and faster for some of these shapes, so both are tried.
                jit_compile=jit,
            )
            for mode in args.modes:
                xs_np, ys_np = make_data(case, mode)
                batches = cycle([(tf.constant(a.astype("int32")), tf.constant(b if classes == 1 else b.astype("int32")))
                                 for a, b in zip(xs_np, ys_np)])
                flags = ["XLA" if jit else "no XLA", f"inter-op {args.keras_inter_op}"]
                if mode == "train":
                    flags.append("train_on_batch")

                    def step():
                        x, y = batches()
                        # Returns the loss as NumPy: blocks until the step is done.
                        return model.train_on_batch(x, y)
                elif args.keras_infer == "predict_on_batch":
                    flags.append("predict_on_batch")

                    def step():
                        return model.predict_on_batch(batches()[0])
                else:
                    # The bare compiled forward pass: what predict_on_batch runs,
                    # minus its per-call data-adapter and callback overhead.
                    flags.append("tf.function(model(x, training=False))")
                    fwd = tf.function(lambda t: model(t, training=False), jit_compile=jit, reduce_retracing=True)

                    def step():
                        return fwd(batches()[0]).numpy()  # .numpy() blocks until the result exists

                m = measure(step, args.warmup, args.seconds, args.repeats, idle_wait=args.wait_idle)
                emit(args, "keras", case, mode, m, version, ", ".join(flags))
            keras.backend.clear_session()
            del model


# --------------------------------------------------------------------------- driver


def emit(args, framework, case, mode, m, version, variant):
    batch = BATCH[mode]
    rec = {
        "framework": framework,
        "case": case,
        "mode": mode,
        "batch": batch,
        "samples_per_s": round(batch / m["seconds_per_batch"], 2),
        "seconds_per_batch": round(m["seconds_per_batch"], 6),
        "threads": args.threads,
        # Extra keys (not needed by table.py):
        "median_seconds_per_batch": round(m["median_seconds_per_batch"], 6),
        "min_seconds_per_batch": round(m["min_seconds_per_batch"], 6),
        "steps": m["steps"],
        "cpu_seconds_per_wall_second": round(m["cpu_seconds_per_wall_second"], 2),
        "other_cpu_seconds_per_wall_second": (
            round(m["other_cpu_seconds_per_wall_second"], 2) if "other_cpu_seconds_per_wall_second" in m else None
        ),
        "version": version,
    }
    if variant:
        rec["variant"] = variant
    print(json.dumps(rec), flush=True)


def child_env(threads):
    env = dict(os.environ)
    # A core-type override (set on some machines for other software) can push
    # OpenBLAS/numpy onto a slower kernel: let each library detect the CPU itself.
    env.pop("OPENBLAS_CORETYPE", None)
    # Inherited thread-count variables could fight the settings made in the
    # worker; OpenMP (PyTorch's intra-op pool) gets the requested count.
    for var in ("MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        env.pop(var, None)
    env["OMP_NUM_THREADS"] = str(threads)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["KERAS_BACKEND"] = "tensorflow"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--frameworks", default="torch,keras", help="comma list of torch,keras")
    p.add_argument("--threads", type=int, default=2, help="intra-op threads")
    p.add_argument("--cases", default=",".join(CASES), help="comma list of " + ",".join(CASES))
    p.add_argument("--mode", default="train,infer", help="comma list of train,infer")
    p.add_argument("--seconds", type=float, default=5.0, help="minimum measuring time per measurement")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps before measuring")
    p.add_argument("--repeats", type=int, default=1, help="measuring windows per measurement; the fastest is kept")
    p.add_argument("--wait-idle", type=float, default=0.0, metavar="SECONDS",
                   help="before each window, wait up to this long for the rest of the machine to go idle (Linux)")
    p.add_argument("--keras-jit", choices=("off", "on", "both"), default="both",
                   help="XLA-compile the Keras functions; 'both' measures each way (table.py keeps the faster)")
    p.add_argument("--keras-inter-op", type=int, default=None,
                   help="TensorFlow inter-op threads (default: --threads)")
    p.add_argument("--keras-infer", choices=("tf.function", "predict_on_batch"), default="tf.function")
    p.add_argument("--torch-flush-denormal", type=int, choices=(0, 1), default=1, help="torch.set_flush_denormal(...)")
    p.add_argument("--torch-mkldnn", type=int, choices=(0, 1), default=1, help="torch.backends.mkldnn.enabled")
    p.add_argument("--torch-fused-adam", type=int, choices=(0, 1), default=1, help="torch.optim.Adam(fused=...)")
    p.add_argument("--worker", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.keras_inter_op is None:
        args.keras_inter_op = args.threads
    args.frameworks = [f for f in args.frameworks.split(",") if f]
    args.cases = [c for c in args.cases.split(",") if c]
    args.modes = [m for m in args.mode.split(",") if m]
    for f in args.frameworks:
        if f not in FRAMEWORKS:
            p.error(f"unknown framework {f!r}")
    for c in args.cases:
        if c not in CASES:
            p.error(f"unknown case {c!r}")
    for m in args.modes:
        if m not in BATCH:
            p.error(f"unknown mode {m!r}")
    return args


def main():
    args = parse_args()
    if args.worker:
        {"torch": torch_worker, "keras": keras_worker}[args.worker](args)
        return 0
    status = 0
    for framework in args.frameworks:
        for case in args.cases:
            log(f"[peers] {framework} {case} {','.join(args.modes)}")
            cmd = [
                sys.executable, os.path.abspath(__file__), "--worker", framework,
                "--threads", str(args.threads), "--cases", case, "--mode", ",".join(args.modes),
                "--seconds", str(args.seconds), "--warmup", str(args.warmup), "--repeats", str(args.repeats),
                "--wait-idle", str(args.wait_idle),
                "--keras-jit", args.keras_jit, "--keras-inter-op", str(args.keras_inter_op), "--keras-infer", args.keras_infer,
                "--torch-fused-adam", str(args.torch_fused_adam),
                "--torch-flush-denormal", str(args.torch_flush_denormal), "--torch-mkldnn", str(args.torch_mkldnn),
            ]
            rc = subprocess.call(cmd, env=child_env(args.threads))
            if rc != 0:
                log(f"[peers] {framework} {case} failed with exit status {rc}")
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
