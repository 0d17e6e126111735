"""The README stays in step with the code: its FSM diagram is what `avatarbot fsm-graph`
prints, and its configuration table lists every variable `avatarbot --help` knows."""
import os
import re
import subprocess
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = os.environ.get("AB_BINARY", str(ROOT / "build" / "avatarbot"))


class ReadmeTest(unittest.TestCase):
    readme = (ROOT / "README.md").read_text()

    def test_fsm_diagram_is_current(self):
        graph = subprocess.run([BINARY, "fsm-graph"], capture_output=True, text=True,
                               check=True).stdout
        self.assertIn("```mermaid\n" + graph + "```", self.readme,
                      "README's state diagram is stale: paste `avatarbot fsm-graph` output")

    def test_every_variable_is_documented(self):
        help_text = subprocess.run([BINARY, "--help"], capture_output=True, text=True).stdout
        names = re.findall(r"^  ([A-Z][A-Z0-9_]+) ", help_text, re.M)
        self.assertGreater(len(names), 10)
        for name in names:
            self.assertIn("| `%s` |" % name, self.readme, "%s missing from README" % name)


if __name__ == "__main__":
    unittest.main(verbosity=2)
