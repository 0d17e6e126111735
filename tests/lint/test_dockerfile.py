"""The container image can run the binary: for every shared library avatarbot links directly
(readelf NEEDED), the Dockerfile's runtime stage installs the Debian package that provides it,
unless that package is part of every Debian image (the C library); and no library the binary
or its vision module loads, directly or not (ldd), comes from a package the runtime stage
replaces with a stub. Also what the image declares: base pinned by digest, OCI labels, the face
model with its licence."""
import hashlib
import os
import re
import subprocess
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = os.environ.get("AB_BINARY", str(ROOT / "build" / "avatarbot"))
MODULE = os.path.join(os.path.dirname(BINARY), "avatarbot-vision.so")
DOCKERFILE = (ROOT / "docker" / "Dockerfile").read_text()


# In every Debian image: the C library, and the C++ runtime that apt itself links.
IN_EVERY_IMAGE = {"libc6", "libstdc++6", "libgcc-s1"}


def runtime_stage():
    """The last stage's instructions, comments left out."""
    stage = re.split(r"^FROM ", DOCKERFILE, flags=re.M)[-1]
    return "\n".join(l for l in stage.split("\n") if not l.lstrip().startswith("#"))


def runtime_packages():
    m = re.search(r"apt-get install[^\n]*\\\n((?:.*\\\n)*?.*)&&", runtime_stage())
    assert m, "no apt-get install in the runtime stage"
    return set(re.findall(r"\b([a-z0-9][a-z0-9.+-]+)\b", m.group(1)))


def stubbed_packages():
    """What the stub packages the runtime stage builds stand in for (their Provides:)."""
    names = set()
    for field in re.findall(r"'Provides: ([^']*)'", runtime_stage()):
        names.update(n.strip().split()[0] for n in field.split(","))
    return names


def needed_libraries():
    """What the binary and the vision module it loads link directly."""
    libs = []
    for elf in (BINARY, MODULE):
        out = subprocess.run(["readelf", "-d", elf], capture_output=True, text=True,
                             check=True).stdout
        libs += re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)
    return sorted(set(libs))


def loaded_libraries():
    """Every library the dynamic loader maps for the binary and the module: soname -> path."""
    libs = {}
    for elf in (BINARY, MODULE):
        out = subprocess.run(["ldd", elf], capture_output=True, text=True, check=True).stdout
        for soname, path in re.findall(r"^\s*(\S+) => (/\S+)", out, re.M):
            libs[soname] = path
    return libs


def package_of(path):
    # with merged /usr, dpkg may know a file by either of its names
    for candidate in (path, os.path.realpath(path), path.replace("/usr/lib/", "/lib/"),
                      os.path.realpath(path).replace("/usr/lib/", "/lib/")):
        owner = subprocess.run(["dpkg", "-S", candidate], capture_output=True,
                               text=True).stdout
        if owner:
            return owner.split(":")[0].strip()
    return ""


def providing_package(soname):
    path = subprocess.run(["sh", "-c", "ldconfig -p | awk '$1 == \"%s\" {print $NF; exit}'"
                           % soname], capture_output=True, text=True).stdout.strip()
    return package_of(path)


def sanitizer(soname):
    # a sanitizer build of the suite; the image is built without them
    return re.match(r"lib(a|ub|l|t)san\.", soname)


def vision_cmake(name):
    m = re.search(r'^set\(%s "([^"]*)"\)' % name, (ROOT / "cmake" / "vision.cmake").read_text(),
                  re.M)
    return m.group(1) if m else None


class DockerfileTest(unittest.TestCase):

    def test_runtime_stage_installs_every_needed_library(self):
        installed = runtime_packages()
        self.assertIn("ca-certificates", installed)  # HTTPS to Telegram and FAL
        missing = []
        for soname in needed_libraries():
            if sanitizer(soname):
                continue
            pkg = providing_package(soname)
            self.assertTrue(pkg, "no package provides %s" % soname)
            if pkg not in installed and pkg not in IN_EVERY_IMAGE:
                missing.append("%s (%s)" % (pkg, soname))
        self.assertEqual(missing, [], "runtime stage lacks packages")

    def test_no_loaded_library_is_stubbed(self):
        """The stub keeps Mesa out; it must never stand in for a package whose library is
        mapped (that library would be missing from the image)."""
        stubbed = stubbed_packages()
        self.assertIn("libglx-mesa0", stubbed)  # what drags in LLVM (issue 20)
        loaded = loaded_libraries()
        self.assertIn("libGLX.so.0", loaded)  # OpenCV's, from libglx0: installed, not stubbed
        wrong = []
        for soname, path in sorted(loaded.items()):
            if sanitizer(soname):
                continue
            pkg = package_of(path)
            self.assertTrue(pkg, "no package provides %s (%s)" % (soname, path))
            if pkg in stubbed:
                wrong.append("%s (%s)" % (pkg, soname))
        self.assertEqual(wrong, [], "the runtime stage stubs packages whose libraries load")

    def test_runs_as_non_root_with_healthcheck(self):
        text = DOCKERFILE
        self.assertRegex(text, r"\nUSER 10001")
        self.assertIn('HEALTHCHECK', text)
        self.assertIn('CMD ["avatarbot", "healthcheck"]', text)
        self.assertIn('ENTRYPOINT ["avatarbot"]', text)
        self.assertIn("/usr/lib/avatarbot/avatarbot-vision.so", text)
        self.assertIn("/usr/share/avatarbot/blazeface_short_128.onnx", text)

    def test_model_licence_built_and_shipped_beside_it(self):
        self.assertIn("COPY --from=build /build/models/blazeface_short_128.LICENSE "
                      "/usr/share/avatarbot/blazeface_short_128.LICENSE", DOCKERFILE)
        built = Path(os.path.dirname(BINARY)) / "models" / "blazeface_short_128.LICENSE"
        self.assertTrue(built.is_file(), "the build did not put the licence at %s" % built)
        self.assertEqual(hashlib.sha256(built.read_bytes()).hexdigest(),
                         vision_cmake("AB_FACE_MODEL_LICENSE_SHA256"))
        self.assertIn("Apache License", built.read_text().split("\n")[0])

    def test_base_pinned_by_digest_and_oci_labels(self):
        bases = re.findall(r"^FROM (\S+)", DOCKERFILE, re.M)
        self.assertEqual(len(bases), 2)
        for base in bases:
            self.assertRegex(base, r"^debian:12-slim@sha256:[0-9a-f]{64}$")
        self.assertEqual(bases[0], bases[1], "both stages on the same base")
        labels = dict(re.findall(r'(org\.opencontainers\.image\.[a-z.]+)="([^"]*)"',
                                 runtime_stage()))
        version = re.search(r'#define AB_VERSION "(.*)"',
                            (ROOT / "include" / "avatarbot" / "version.h").read_text()).group(1)
        oci = "org.opencontainers.image."
        self.assertEqual(labels.get(oci + "version"), version)
        self.assertEqual(labels.get(oci + "base.digest"), bases[1].split("@")[1])
        self.assertEqual(labels.get(oci + "revision"), "${REVISION}")
        for key in ("title", "source", "licenses", "base.name"):
            self.assertTrue(labels.get(oci + key), "no label %s%s" % (oci, key))


if __name__ == "__main__":
    unittest.main(verbosity=2)
