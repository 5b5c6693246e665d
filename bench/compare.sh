#!/usr/bin/env bash
# Time Recurrent against PyTorch and Keras (TensorFlow backend) on the same
# shapes and print a markdown table. See bench/README.md.
#
# Usage: bench/compare.sh [--threads N] [--seconds S] [--cases LIST] [--mode LIST]
#                         [--repeats N] [--wait-idle S] [--frameworks LIST]
#                         [--no-build] [--out DIR]
# Environment:
#   RECURRENT_BENCH_VENV  virtual environment for the peers
#                         (default: $HOME/.cache/recurrent/bench-venv; made if missing)
#   PYTHON                interpreter used to create it (default: python3)
#   RECURRENT_BENCH_ARGS  extra arguments for `recurrent bench` (e.g. "--batch 32")
# Runs on Debian/Ubuntu Linux and on macOS.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
venv="${RECURRENT_BENCH_VENV:-$HOME/.cache/recurrent/bench-venv}"
python="${PYTHON:-python3}"

threads=2
seconds=5
cases="A-LSTM,A-GRU,B,C,D"
modes="train,infer"
repeats=1
wait_idle=0
frameworks="torch,keras"
build=1
out=""

while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --cases) cases="$2"; shift 2 ;;
    --mode) modes="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    --wait-idle) wait_idle="$2"; shift 2 ;;
    --frameworks) frameworks="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

os="$(uname -s)"
if [ -z "$out" ]; then
  out="$repo/runs/bench-$(date +%Y%m%d-%H%M%S)"
fi
mkdir -p "$out"
status=0

say() { printf '==> %s\n' "$*" >&2; }

# ---------------------------------------------------------------- peers' venv
# TensorFlow publishes no tensorflow-cpu wheels for macOS; there the plain
# `tensorflow` wheel is the CPU build.
if [ "$os" = "Darwin" ]; then tf_pkg="tensorflow==2.21.*"; else tf_pkg="tensorflow-cpu==2.21.*"; fi
if ! "$venv/bin/python" -c "import torch, tensorflow, keras" >/dev/null 2>&1; then
  say "creating the peers' virtual environment at $venv (PyTorch, TensorFlow, Keras; a few GB)"
  if [ ! -x "$venv/bin/python" ]; then
    mkdir -p "$(dirname "$venv")"
    "$python" -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install --upgrade pip
  # torch from PyPI pulls its CUDA libraries as well (~3 GB); it runs on the CPU here.
  "$venv/bin/python" -m pip install torch "$tf_pkg" "keras==3.15.*"
fi

# ---------------------------------------------------------------- machine and versions
{
  echo "## Machine"
  echo
  if [ "$os" = "Darwin" ]; then
    echo "- CPU: $(sysctl -n machdep.cpu.brand_string 2>/dev/null || echo unknown)"
    echo "- cores: $(sysctl -n hw.physicalcpu 2>/dev/null || echo ?) physical, $(sysctl -n hw.logicalcpu 2>/dev/null || echo ?) logical"
    echo "- memory: $(( $(sysctl -n hw.memsize 2>/dev/null || echo 0) / 1073741824 )) GiB"
    echo "- OS: $(sw_vers -productName 2>/dev/null || echo macOS) $(sw_vers -productVersion 2>/dev/null || true) ($(uname -m))"
  else
    cpu="$(grep -m1 -i '^model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
    [ -n "$cpu" ] || cpu="$(lscpu 2>/dev/null | grep -m1 -i 'model name' | cut -d: -f2- | sed 's/^ *//')"
    echo "- CPU: ${cpu:-unknown}"
    echo "- cores: $(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN) available to this process, $(getconf _NPROCESSORS_ONLN) online"
    echo "- memory: $(awk '/^MemTotal/ {printf "%d GiB", $2/1048576}' /proc/meminfo 2>/dev/null)"
    os_name="$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
    echo "- OS: ${os_name:-Linux} (kernel $(uname -r), $(uname -m))"
    if command -v dpkg-query >/dev/null 2>&1; then
      blas="$(dpkg-query -W -f='${Package} ${Version}\n' 'libopenblas0*' 2>/dev/null | grep -v '^$' | head -1 || true)"
      if [ -n "$blas" ]; then echo "- OpenBLAS (Recurrent's BLAS): $blas"; fi
    fi
  fi
  echo "- threads: $threads (Recurrent: $threads; PyTorch: intra-op $threads, inter-op 1; TensorFlow: intra-op $threads, inter-op $threads)"
  echo
  echo "## Versions"
  echo
  echo "- Swift: $(swift --version 2>&1 | grep -m1 -i 'swift version' || echo unknown)"
  "$venv/bin/python" - <<'EOF' 2>/dev/null || echo "- peers: could not import torch/tensorflow/keras"
import os, platform, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import torch
print(f"- Python: {platform.python_version()}")
print(f"- PyTorch: {torch.__version__}")
import tensorflow as tf
import keras
print(f"- TensorFlow: {tf.__version__}")
print(f"- Keras: {keras.__version__} (TensorFlow backend)")
EOF
  echo
} > "$out/machine.md"

# ---------------------------------------------------------------- Recurrent
: > "$out/recurrent.jsonl"
: > "$out/peers.jsonl"
if [ "$build" = 1 ]; then
  say "building Recurrent (swift build -c release --product recurrent)"
  (cd "$repo" && swift build -c release --product recurrent)
fi
recurrent="$repo/.build/release/recurrent"

run_recurrent() {
  if [ -x "$recurrent" ]; then
    say "round $1: recurrent bench --json --threads $threads --cases $cases --mode $modes --seconds $seconds ${RECURRENT_BENCH_ARGS:-}"
    if ! (cd "$repo" && "$recurrent" bench --json --threads "$threads" --cases "$cases" --mode "$modes" \
        --seconds "$seconds" ${RECURRENT_BENCH_ARGS:-}) \
        > "$out/recurrent.raw" 2>> "$out/recurrent.err"; then
      say "recurrent bench failed (see $out/recurrent.err)"
      status=1
    fi
    grep '^{' "$out/recurrent.raw" >> "$out/recurrent.jsonl" || true
  else
    say "no $recurrent: Recurrent's column will be empty"
    status=1
  fi
}

run_peers() {
  say "round $1: the peers ($frameworks; $cases; $modes; ${seconds}s each)"
  if ! env -u OPENBLAS_CORETYPE "$venv/bin/python" "$here/peers.py" \
      --frameworks "$frameworks" --threads "$threads" --cases "$cases" --mode "$modes" \
      --seconds "$seconds" --repeats 1 --wait-idle "$wait_idle" \
      >> "$out/peers.jsonl" 2>> "$out/peers.err"; then
    say "some peer measurements failed (see $out/peers.err)"
    status=1
  fi
}

# --repeats N runs N rounds, each measuring every framework once, the order alternating
# (Recurrent first in odd rounds, the peers first in even ones), so that every framework gets
# the same number of windows spread over the same stretch of time; the table keeps each
# framework's fastest window. On a shared machine whose speed drifts over minutes, one
# framework measured in a slow stretch and another in a fast one would otherwise decide the ratio.
for round in $(seq 1 "$repeats"); do
  if [ $((round % 2)) = 1 ]; then run_recurrent "$round"; run_peers "$round"
  else run_peers "$round"; run_recurrent "$round"; fi
done

{
  cat "$out/machine.md"
  echo "## Throughput (samples/s; training at batch 64, inference at batch 256)"
  echo
  "$venv/bin/python" "$here/table.py" "$out/recurrent.jsonl" "$out/peers.jsonl"
} | tee "$out/table.md"
say "raw results and this table: $out"
exit "$status"
