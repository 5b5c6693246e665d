#!/usr/bin/env python3
"""Lists Swift and C files over a line limit and functions over a line limit.

    scripts/sizes.py [--file-limit 400] [--function-limit 60] [PATH ...]   (default: Sources)

A function is counted from the line of its `func`/`init`/`deinit` (or C definition) to its
closing brace, by brace depth with strings and comments skipped. Issue 15 asks for no file
over ~400 lines and no function in the recurrent driver or the cells over ~60 lines; this
prints what is over, longest first, and exits 0 (it is a report, not a gate).
"""
import argparse
import pathlib
import re

FUNC = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|internal|private|fileprivate|open|static|class|"
                  r"final|override|mutating|nonisolated|convenience|required|@inline\(__always\))\s+)*"
                  r"(?:func\s+[^\s(<]+|init[?!]?|deinit)\b")
C_FUNC = re.compile(r"^[A-Za-z_][\w\s\*]*\b([A-Za-z_]\w*)\s*\([^;]*$")


def strip(line, state):
    """The line without comments and string contents; `state` carries an open block comment."""
    out, i = [], 0
    while i < len(line):
        if state["block"]:
            j = line.find("*/", i)
            if j < 0:
                return "".join(out)
            state["block"], i = False, j + 2
            continue
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            state["block"], i = True, i + 2
            continue
        if line[i] == '"':
            j = i + 1
            while j < len(line) and line[j] != '"':
                j += 2 if line[j] == "\\" else 1
            out.append('""')
            i = j + 1
            continue
        out.append(line[i])
        i += 1
    return "".join(out)


def functions(path):
    """(name, first line, length) of every function with a body."""
    lines = path.read_text(errors="replace").splitlines()
    is_c = path.suffix in (".c", ".h", ".cpp")
    state = {"block": False}
    code = [strip(raw, state) for raw in lines]
    starts = []
    depth = 0
    for n, line in enumerate(code):
        m = C_FUNC.match(line) if is_c else FUNC.match(line)
        if m and (not is_c or depth == 0):
            name = m.group(1) if is_c else line.strip().split("(")[0].split("<")[0]
            starts.append((n, name))
        depth += line.count("{") - line.count("}")
    start_lines = {n for n, _ in starts}
    for n, name in starts:
        depth, opened = 0, False
        for k in range(n, len(code)):
            if k > n and not opened and k in start_lines:
                break  # a declaration without a body
            for ch in code[k]:
                if ch == "{":
                    depth += 1
                    opened = True
                elif ch == "}":
                    depth -= 1
                    if opened and depth == 0:
                        yield name[-70:], n + 1, k - n + 1
                        break
                    if depth < 0:
                        break
            else:
                continue
            break


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", default=["Sources"])
    p.add_argument("--file-limit", type=int, default=400)
    p.add_argument("--function-limit", type=int, default=60)
    a = p.parse_args()
    files = [f for root in a.paths for f in sorted(pathlib.Path(root).rglob("*")) if f.suffix in (".swift", ".c", ".h", ".cpp")]
    long_files = [(len(f.read_text(errors="replace").splitlines()), f) for f in files]
    long_files = sorted(((n, f) for n, f in long_files if n > a.file_limit), reverse=True)
    long_funcs = sorted(((length, f, name, start) for f in files for name, start, length in functions(f)
                         if length > a.function_limit), reverse=True)
    print(f"files over {a.file_limit} lines: {len(long_files)}")
    for n, f in long_files:
        print(f"  {n:5d}  {f}")
    print(f"functions over {a.function_limit} lines: {len(long_funcs)}")
    for length, f, name, start in long_funcs:
        print(f"  {length:5d}  {f}:{start}  {name}")


if __name__ == "__main__":
    main()
