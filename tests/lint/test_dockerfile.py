"""The container image can run the binary: for every shared library avatarbot links directly
(readelf NEEDED), the Dockerfile's runtime stage installs the Debian package that provides it,
unless that package is part of every Debian image (the C library)."""
import os
import re
import subprocess
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = os.environ.get("AB_BINARY", str(ROOT / "build" / "avatarbot"))


# In every Debian image: the C library, and the C++ runtime that apt itself links.
IN_EVERY_IMAGE = {"libc6", "libstdc++6", "libgcc-s1"}


def runtime_packages():
    text = (ROOT / "docker" / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.M)
    runtime = stages[-1]
    m = re.search(r"apt-get install[^\n]*\\\n((?:.*\\\n)*?.*)&&", runtime)
    assert m, "no apt-get install in the runtime stage"
    return set(re.findall(r"\b([a-z0-9][a-z0-9.+-]+)\b", m.group(1)))


def needed_libraries():
    """What the binary and the vision module it loads link directly."""
    libs = []
    module = os.path.join(os.path.dirname(BINARY), "avatarbot-vision.so")
    for elf in (BINARY, module):
        out = subprocess.run(["readelf", "-d", elf], capture_output=True, text=True,
                             check=True).stdout
        libs += re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)
    return sorted(set(libs))


def providing_package(soname):
    path = subprocess.run(["sh", "-c", "ldconfig -p | awk '$1 == \"%s\" {print $NF; exit}'"
                           % soname], capture_output=True, text=True).stdout.strip()
    # with merged /usr, dpkg may know a file by either of its names
    for candidate in (path, os.path.realpath(path), path.replace("/usr/lib/", "/lib/"),
                      os.path.realpath(path).replace("/usr/lib/", "/lib/")):
        owner = subprocess.run(["dpkg", "-S", candidate], capture_output=True,
                               text=True).stdout
        if owner:
            return owner.split(":")[0].strip()
    return ""


class DockerfileTest(unittest.TestCase):

    def test_runtime_stage_installs_every_needed_library(self):
        installed = runtime_packages()
        self.assertIn("ca-certificates", installed)  # HTTPS to Telegram and FAL
        missing = []
        for soname in needed_libraries():
            if re.match(r"lib(a|ub|l|t)san\.", soname):
                continue  # a sanitizer build of the suite; the image is built without them
            pkg = providing_package(soname)
            self.assertTrue(pkg, "no package provides %s" % soname)
            if pkg not in installed and pkg not in IN_EVERY_IMAGE:
                missing.append("%s (%s)" % (pkg, soname))
        self.assertEqual(missing, [], "runtime stage lacks packages")

    def test_runs_as_non_root_with_healthcheck(self):
        text = (ROOT / "docker" / "Dockerfile").read_text()
        self.assertRegex(text, r"\nUSER 10001")
        self.assertIn('HEALTHCHECK', text)
        self.assertIn('CMD ["avatarbot", "healthcheck"]', text)
        self.assertIn('ENTRYPOINT ["avatarbot"]', text)
        self.assertIn("/usr/lib/avatarbot/avatarbot-vision.so", text)
        self.assertIn("/usr/share/avatarbot/blazeface_short_128.onnx", text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
