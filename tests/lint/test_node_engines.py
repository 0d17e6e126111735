"""The Node.js that scripts/deps.sh installs when the node on PATH is too old (NODE_VERSION)
satisfies the `engines.node` of every package pinned in the repository's package-lock.json
files (all installed by scripts/npm-pinned.sh), and NODE_MIN, the oldest node deps.sh keeps,
satisfies them too: a lock that starts asking for a newer Node.js fails here, not on a
newcomer's machine. Also the pinned integrity of each architecture's tarball is well-formed."""
import base64
import json
import re
import subprocess
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPS = (ROOT / "scripts" / "deps.sh").read_text()


def version(text):
    """'22', '22.12', '22.x', '22.12.0' -> (22, 12, 0) with None for what is left out or x."""
    parts = (text.split(".") + ["x", "x"])[:3]
    if not all(p.isdigit() or p in ("x", "X", "*") for p in parts):
        raise ValueError("not a version: %r" % text)
    return tuple(int(p) if p.isdigit() else None for p in parts)


def floor(v):
    return tuple(p or 0 for p in v)


def next_of(v):
    """The first version above an x-range: 4.x -> 5.0.0, 4.2.x -> 4.3.0, 4.2.1 -> 4.2.2."""
    known = [p for p in v if p is not None]
    known[-1] += 1
    return tuple(known + [0] * (3 - len(known)))


def satisfies(have, rng):
    """npm's semver ranges as engines write them: ||, space-joined comparators, >= > <= < =,
    ^, ~, x-ranges and bare partial versions. Anything else raises, so that the test never
    passes on a range it did not read."""
    comparator = r"(>=|<=|>|<|=|\^|~)?\s*(v?[0-9xX*][0-9A-Za-z.*]*)"
    for alternative in rng.split("||"):
        if not re.fullmatch(r"\s*(%s\s*)*" % comparator, alternative):
            raise ValueError("not a range npm's engines use here: %r" % rng)
        comparators = re.findall(comparator, alternative)
        if not comparators and alternative.strip() in ("", "*"):
            return True
        ok = True
        for op, text in comparators:
            if text in ("*", "x", "X"):
                continue
            v = version(text.lstrip("v"))
            lo = floor(v)
            if op in ("", "="):
                ok &= lo <= have < next_of(v) if None in v else have == lo
            elif op == ">=":
                ok &= have >= lo
            elif op == ">":
                ok &= have >= next_of(v) if None in v else have > lo
            elif op == "<=":
                ok &= have < next_of(v) if None in v else have <= lo
            elif op == "<":
                ok &= have < lo
            elif op == "^":
                first = next((i for i, p in enumerate(lo) if p), 2)
                upper = lo[:first] + (lo[first] + 1,) + (0,) * (2 - first)
                ok &= lo <= have < upper
            elif op == "~":
                ok &= lo <= have < ((v[0] + 1, 0, 0) if v[1] is None else (v[0], v[1] + 1, 0))
        if ok:
            return True
    return False


def engines():
    """(lock file, package, engines.node) of every package in every committed lock."""
    files = subprocess.run(["git", "ls-files", "*package-lock.json"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    out = []
    for f in files:
        for name, pkg in json.loads((ROOT / f).read_text()).get("packages", {}).items():
            node = (pkg.get("engines") or {}).get("node") if isinstance(pkg.get("engines"), dict) else None
            if node:
                out.append((f, name or "(root)", node))
    return out


class NodeEngines(unittest.TestCase):
    def test_range_reader(self):
        self.assertTrue(satisfies((22, 23, 5), ">=22.12.0 || >=20.19.0 <21.0.0"))
        self.assertTrue(satisfies((20, 19, 1), ">=22.12.0 || >=20.19.0 <21.0.0"))
        self.assertFalse(satisfies((20, 18, 0), ">=22.12.0 || >=20.19.0 <21.0.0"))
        self.assertFalse(satisfies((18, 19, 0), ">=20"))
        self.assertTrue(satisfies((18, 19, 0), "^12.20.0 || >=14.13.1"))
        self.assertFalse(satisfies((13, 0, 0), "^12.20.0 || >=14.13.1"))
        self.assertTrue(satisfies((22, 0, 0), ">= 10.x"))
        self.assertFalse(satisfies((5, 1, 0), "4.x || >=6.0.0"))
        self.assertRaises(ValueError, satisfies, (22, 0, 0), ">=22-beta")

    def test_pinned_node_satisfies_every_lock(self):
        oldest = version(re.search(r"^NODE_MIN=(\S+)", DEPS, re.M).group(1))
        pinned = version(re.search(r"^NODE_VERSION=(\S+)$", DEPS, re.M).group(1))
        self.assertGreaterEqual(pinned, oldest, "NODE_VERSION is older than NODE_MIN")
        found = engines()
        self.assertGreater(len(found), 10, "no engines read from the package locks")
        for have, what in ((pinned, "NODE_VERSION"), (oldest, "NODE_MIN")):
            bad = ["%s: %s wants node %s" % (f, name, rng) for f, name, rng in found
                   if not satisfies(have, rng)]
            self.assertEqual(bad, [], "scripts/deps.sh's %s %s is too old for" % (what, have))

    def test_integrity_pins_are_sha512(self):
        pins = re.findall(r"^\s*(amd64|arm64)\) pkg=(node-linux-\w+)\s+integrity=sha512-(\S+) ;;",
                          DEPS, re.M)
        self.assertEqual(sorted(p[0] for p in pins), ["amd64", "arm64"])
        for arch, pkg, digest in pins:
            self.assertEqual(len(base64.b64decode(digest, validate=True)), 64, pkg)


if __name__ == "__main__":
    unittest.main()
