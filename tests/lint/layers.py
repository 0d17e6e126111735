#!/usr/bin/env python3
"""The layering check of `make lint`: every `#include "folder/..."` in src/ must be allowed by
tests/lint/layers.txt (a folder may include only the folders, or single headers, its row
names, plus its own), every folder of src/ must have a row, and every listed exception must
still be needed. With --readme, README.md's "Code layout" table must list the same rows.

    tests/lint/layers.py [--root DIR] [--readme]
"""
import argparse
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def load(path):
    rules, exceptions = {}, {}
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("exception "):
            parts = line.split()
            if len(parts) != 3:
                sys.exit(f"{path}:{n}: expected 'exception LAYER TARGET'")
            exceptions[(parts[1], parts[2])] = n
            continue
        layer, sep, targets = line.partition(":")
        if not sep:
            sys.exit(f"{path}:{n}: expected 'LAYER: TARGET...'")
        rules[layer.strip()] = set(targets.split())
    return rules, exceptions


def layer_of(src, f):
    rel = f.relative_to(src)
    return rel.parts[0] if len(rel.parts) > 1 else "main"


def check(root):
    src = root / "src"
    rules, exceptions = load(root / "tests/lint/layers.txt")
    problems, used = [], set()
    files = sorted(p for p in src.rglob("*") if p.suffix in (".c", ".h", ".cpp"))
    for f in files:
        layer = layer_of(src, f)
        if layer not in rules:
            problems.append(f"{f.relative_to(root)}: folder '{layer}' has no row in layers.txt")
            continue
        for target in INCLUDE.findall(f.read_text(errors="replace")):
            if "/" not in target:
                continue  # a header next to the file
            folder = target.split("/", 1)[0]
            if folder == layer or folder in rules[layer] or target in rules[layer]:
                continue
            if (layer, target) in exceptions:
                used.add((layer, target))
                continue
            problems.append(f"{f.relative_to(root)}: {layer} may not include \"{target}\" "
                            f"(allowed: {' '.join(sorted(rules[layer])) or 'nothing'})")
    for key, n in sorted(exceptions.items()):
        if key not in used:
            problems.append(f"tests/lint/layers.txt:{n}: exception {key[0]} -> {key[1]} is no "
                            "longer needed: remove it")
    return rules, problems


def check_readme(root, rules):
    """README's table rows: | `layer` | `a` `b` ... |."""
    text = (root / "README.md").read_text()
    start = text.find("### Code layout")
    if start < 0:
        return ["README.md: no \"### Code layout\" section"]
    end = text.find("\n## ", start)
    text = text[start:end if end > 0 else len(text)]
    rows = {}
    for layer, targets in re.findall(r"^\|\s*`([a-z]+)`\s*\|([^|\n]*)\|", text, re.M):
        rows[layer] = set(re.findall(r"`([^`]+)`", targets))
    problems = []
    for layer, allowed in rules.items():
        if rows.get(layer) != allowed:
            problems.append(f"README.md: the layer table's row for `{layer}` should list "
                            f"{' '.join(sorted(allowed)) or '(nothing)'}, it lists "
                            f"{' '.join(sorted(rows.get(layer, ()))) or '(no row)'}")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=pathlib.Path(__file__).resolve().parents[2], type=pathlib.Path)
    ap.add_argument("--readme", action="store_true")
    args = ap.parse_args()
    rules, problems = check(args.root)
    if args.readme:
        problems += check_readme(args.root, rules)
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
