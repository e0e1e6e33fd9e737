#!/usr/bin/env python3
"""Function lengths per folder: median, 90th percentile and longest.

  mk/funclen.py [--list N] [FOLDER...]   (default: every tracked folder with C)

A function's length is its lines from the first line of its signature to
its closing brace, both included. Only tracked *.c files count (git
ls-files), so build outputs and third-party trees stay out. --list N also
prints the N longest functions. The parser knows C only as far as this
needs: comments, strings and character literals are blanked, and a
top-level `{` whose preceding declaration ends in `)` opens a function."""
import re
import subprocess
import sys
from collections import defaultdict


def blank(src):
    """Comments, strings and char literals become spaces (newlines kept)."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append(c + re.sub(r"[^\n]", " ", src[i + 1:j]) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(path):
    """Yields (name, first line, last line) of each function defined in path."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = blank(f.read())
    # Preprocessor lines never open or close a function.
    text = re.sub(r"(?m)^[ \t]*#.*(\\\n.*)*$", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    depth, decl_start, start = 0, 0, None
    for i, c in enumerate(text):
        if c == "{":
            if depth == 0:
                head = text[decl_start:i].strip()
                m = re.search(r"(\w+)\s*\([^;{}]*\)\s*(__attribute__\s*\(\(.*\)\)\s*)?$", head, re.S)
                if m and "=" not in head and not re.match(r"(struct|union|enum)\b[^(]*$", head):
                    first = text.count("\n", 0, decl_start + (len(text[decl_start:i]) - len(text[decl_start:i].lstrip()))) + 1
                    start = (m.group(1), first)
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                if start:
                    yield start[0], start[1], text.count("\n", 0, i) + 1
                start = None
                decl_start = i + 1
        elif c == ";" and depth == 0:
            decl_start = i + 1


def pct(sorted_vals, p):
    """Nearest-rank percentile."""
    k = max(0, -(-p * len(sorted_vals) // 100) - 1)
    return sorted_vals[k]


def main(argv):
    listn = 0
    if argv[:1] == ["--list"]:
        listn, argv = int(argv[1]), argv[2:]
    files = subprocess.run(["git", "ls-files", "*.c"], capture_output=True, text=True,
                           check=True).stdout.split()
    by_dir, every = defaultdict(list), []
    for path in files:
        folder = path.rsplit("/", 1)[0] if "/" in path else "."
        if argv and not any(folder == a.rstrip("/") or folder.startswith(a.rstrip("/") + "/") for a in argv):
            continue
        for name, first, last in functions(path):
            n = last - first + 1
            by_dir[folder].append(n)
            every.append((n, f"{path}:{first}", name))
    print(f"{'folder':<16} {'functions':>9} {'median':>6} {'p90':>5} {'max':>5}")
    rows = sorted(by_dir.items()) + [("(all)", [e[0] for e in every])]
    for folder, vals in rows:
        v = sorted(vals)
        print(f"{folder:<16} {len(v):>9} {pct(v, 50):>6} {pct(v, 90):>5} {v[-1]:>5}")
    for n, where, name in sorted(every, reverse=True)[:listn]:
        print(f"{n:5} {where} {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
