#!/usr/bin/env python3
"""Lists the long pieces of src/: files over 400 lines and functions over 80 (test modules and the
scoring tables aside), longest first. Exits 1 if there are any, so it can guard a limit.

    python3 scripts/sizes.py [--files N] [--functions N]
"""
import argparse
import pathlib
import re
import sys

FN = re.compile(r"^(\s*)(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)")


def test_module_start(lines):
    """The line where a file's `#[cfg(test)] mod tests` begins, or None."""
    for i, line in enumerate(lines[:-1]):
        if line.strip() == "#[cfg(test)]" and lines[i + 1].lstrip().startswith("mod "):
            return i
    return None


def functions(lines):
    """(name, first line, length) of every function, by indentation: it ends at the first line
    with its own indentation that closes a brace."""
    for i, line in enumerate(lines):
        m = FN.match(line)
        if not m or line.rstrip().endswith(";"):
            continue
        indent = m.group(1)
        for j in range(i, len(lines)):
            if lines[j].startswith(indent + "}") or (j == i and line.rstrip().endswith("}")):
                yield m.group(7), i + 1, j - i + 1
                break


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=400)
    ap.add_argument("--functions", type=int, default=80)
    args = ap.parse_args()
    root = pathlib.Path(__file__).resolve().parent.parent
    long_files, long_fns = [], []
    for path in sorted((root / "src").rglob("*.rs")):
        lines = path.read_text().split("\n")
        rel = path.relative_to(root)
        tests = test_module_start(lines)
        code = lines[:tests] if tests is not None else lines
        if len(code) > args.files:
            long_files.append((len(code), str(rel)))
        for name, start, length in functions(code):
            if length > args.functions:
                long_fns.append((length, f"{rel}:{start}", name))
    print(f"files over {args.files} lines (without their test module): {len(long_files)}")
    for n, rel in sorted(long_files, reverse=True):
        print(f"  {n:5}  {rel}")
    print(f"functions over {args.functions} lines: {len(long_fns)}")
    for n, at, name in sorted(long_fns, reverse=True):
        print(f"  {n:5}  {name}  ({at})")
    return 1 if long_files or long_fns else 0


if __name__ == "__main__":
    sys.exit(main())
