#!/usr/bin/env bash
# Installs what Recurrent needs to build, when it is missing:
#   Linux (Debian/Ubuntu): OpenBLAS (libopenblas-dev), SentencePiece (libsentencepiece-dev, for the
#   subword tokenizer of RecurrentText) and pkg-config, through apt-get.
#   macOS: BLAS comes from Accelerate; SentencePiece (and pkg-config) through Homebrew.
# Swift itself (6.0 or newer) must already be installed: https://www.swift.org/install
set -euo pipefail

need_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        echo "error: swift not found on PATH; install Swift 6 from https://www.swift.org/install" >&2
        exit 1
    fi
}

case "$(uname -s)" in
Linux)
    need_swift
    missing=()
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    if ! pkg-config --exists openblas 2>/dev/null; then missing+=(libopenblas-dev); fi
    if ! pkg-config --exists sentencepiece 2>/dev/null; then missing+=(libsentencepiece-dev); fi
    if [ ${#missing[@]} -gt 0 ]; then
        if ! command -v apt-get >/dev/null 2>&1; then
            echo "error: need ${missing[*]} (OpenBLAS and SentencePiece with their pkg-config files); install them with your package manager" >&2
            exit 1
        fi
        SUDO=""
        if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
        echo "Installing ${missing[*]} with apt-get"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    ;;
Darwin)
    need_swift
    missing=()
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    if ! pkg-config --exists sentencepiece 2>/dev/null; then missing+=(sentencepiece); fi
    if [ ${#missing[@]} -gt 0 ]; then
        if ! command -v brew >/dev/null 2>&1; then
            echo "error: need ${missing[*]} (SentencePiece with its pkg-config file); install Homebrew from https://brew.sh or install them yourself" >&2
            exit 1
        fi
        echo "Installing ${missing[*]} with Homebrew"
        brew install "${missing[@]}"
    fi
    ;;
*)
    echo "error: unsupported system $(uname -s); Recurrent builds on Linux and macOS" >&2
    exit 1
    ;;
esac
