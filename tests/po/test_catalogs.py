"""The translation catalogues against the code: po/avatarbot.pot is what xgettext extracts from
the source texts today, and every po/<language>.po translates each of its messages (no missing,
fuzzy or empty entry, none left over), with the same printf arguments (msgfmt --check), and
names its language and plural rule in its header.

    test_catalogs.py PO_DIR SOURCE_FILE -- XGETTEXT_ARGS...   (ctest passes these)
"""
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

PO_DIR, SOURCE, XGETTEXT_ARGS = None, None, []


def run(*cmd, cwd=None):
    return subprocess.run(list(cmd), capture_output=True, text=True, cwd=cwd)


class CatalogueTest(unittest.TestCase):

    def setUp(self):
        self.pot = PO_DIR / "avatarbot.pot"
        self.pos = sorted(PO_DIR.glob("*.po"))
        self.assertTrue(self.pot.exists(), "no template %s" % self.pot)
        self.assertGreaterEqual(len(self.pos), 2, "expected at least po/ru.po and po/en.po")

    def test_template_is_what_the_code_says(self):
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp) / "fresh.pot"
            out = run("xgettext", *XGETTEXT_ARGS, "-o", str(fresh), str(SOURCE))
            self.assertEqual(out.returncode, 0, out.stderr)
            # the same messages both ways (msgcmp ignores headers, dates and locations)
            for ref, other in ((fresh, self.pot), (self.pot, fresh)):
                out = run("msgcmp", "--use-untranslated", str(other), str(ref))
                self.assertEqual(out.returncode, 0,
                                 "po/avatarbot.pot is out of date: run `cmake --build build "
                                 "--target pot`\n" + out.stderr)

    def test_every_catalogue_translates_every_message(self):
        for po in self.pos:
            with self.subTest(po=po.name):
                # missing, fuzzy and untranslated entries all count as missing here
                out = run("msgcmp", str(po), str(self.pot))
                self.assertEqual(out.returncode, 0, "%s misses messages:\n%s" % (po, out.stderr))
                # and nothing the code no longer has (obsolete #~ entries aside)
                out = run("msgcmp", "--use-untranslated", "--use-fuzzy", str(self.pot), str(po))
                self.assertEqual(out.returncode, 0, "%s has stale messages:\n%s" % (po, out.stderr))
                for flag, what in (("--only-fuzzy", "fuzzy"), ("--untranslated", "empty")):
                    out = run("msgattrib", flag, "--no-obsolete", str(po))
                    entries = [l for l in out.stdout.splitlines() if l.startswith("msgid ")]
                    self.assertEqual(entries, ['msgid ""'] if entries else [],
                                     "%s has %s entries:\n%s" % (po, what, out.stdout))

    def test_formats_and_headers_check(self):
        for po in self.pos:
            with self.subTest(po=po.name):
                # c-format arguments of each msgstr against its msgid, plural forms, header
                out = run("msgfmt", "--check", "--check-format", "-o", "/dev/null", str(po))
                self.assertEqual(out.returncode, 0, "%s:\n%s" % (po, out.stderr))
                header = po.read_text(encoding="utf-8").split("\n\n", 1)[0]
                for field in ("Language: ", "X-Language-Name: ", "Plural-Forms: nplurals="):
                    self.assertIn('"' + field, header, "%s: header lacks %s" % (po, field))


if __name__ == "__main__":
    args = sys.argv[1:]
    split = args.index("--") if "--" in args else len(args)
    PO_DIR, SOURCE, XGETTEXT_ARGS = Path(args[0]), Path(args[1]), args[split + 1:]
    unittest.main(argv=[sys.argv[0]], verbosity=2)
