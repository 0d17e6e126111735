#!/usr/bin/env bash
# check-dockerfile.sh — evidence that docker/Dockerfile builds and that its image runs, on a
# machine with no container engine and no Docker Hub: each stage is emulated in a Debian 12
# (bookworm) minbase root filesystem made with debootstrap and entered with chroot.
#
# Opt-in, root only, NOT part of the test suite or CI: the first run downloads about 1 GB of
# Debian packages (and the face model from the npm registry) and takes 10-30 minutes.
#
#   sudo scripts/check-dockerfile.sh [-v] [--fresh] [-f DOCKERFILE] [--build-arg NAME=VALUE]...
#
#   -v        stream every step's output (otherwise it goes to a log; the tail is shown on failure)
#   --fresh   rebuild the base root filesystem and every cached stage from scratch
#   -f FILE   another Dockerfile (default docker/Dockerfile; the build context is the repo root)
#   --build-arg NAME=VALUE   as docker build's (default: REVISION=<this checkout's commit>)
#
# What it does:
#  * base: debootstrap --variant=minbase bookworm from the mirror this machine's apt uses, made
#    to look like debian:12-slim (its dpkg path excludes for doc/man/locale, its apt settings,
#    deb822 sources for bookworm, bookworm-updates and bookworm-security, upgraded).
#  * the Dockerfile itself is interpreted, instruction by instruction: FROM (debian:12-slim or
#    debian:bookworm-slim only, optionally pinned by @sha256:DIGEST: no registry here to resolve
#    it, so any digest stands for the same bookworm minbase, and a NOTE says so), RUN (verbatim,
#    /bin/sh -c in WORKDIR, with the stage's ENV, ARGs and USER), WORKDIR, ENV, USER, ARG (in a
#    stage; --build-arg or its default), COPY [--from=stage] (the context filtered by
#    .dockerignore, files owned by root), LABEL KEY=VALUE (the stage's ARGs substituted), and
#    ENTRYPOINT, CMD, HEALTHCHECK, EXPOSE, STOPSIGNAL recorded. Anything else (ADD, an ARG
#    before FROM, heredocs, $VAR outside RUN and LABEL) fails the check rather than being
#    approximated. /proc, /sys (ro), a minimal /dev and the host's resolv.conf are mounted for
#    RUN, as in a build container; `nproc` in RUN reports at most AB_CHECK_JOBS (default 2).
#    Where this machine trusts extra CAs (/usr/local/share/ca-certificates: an egress proxy
#    that re-signs TLS), RUN also gets NODE_EXTRA_CA_CERTS so that npm reaches the registry.
#  * the image, as its USER, on a read-only root with a tmpfs /tmp (as deploy/kubernetes runs
#    it): ENTRYPOINT version and --help, ENTRYPOINT+CMD starts (and stops on missing config),
#    ldd and LD_BIND_NOW=1 ldd -r of the binary and avatarbot-vision.so, the module and the
#    face model where src/vision/loader.c and src/core/config.c look for them (model's
#    SHA-256 as pinned in cmake/vision.cmake), a probe that dlopens the module the way the
#    service does, loads the model and finds the face in a real portrait (grace_hopper.jpg from
#    python-matplotlib-data), the model's licence beside it (SHA-256 as pinned), the OCI labels
#    (version as include/avatarbot/version.h, base digest as FROM's), and the HEALTHCHECK
#    command against a stub /healthz.
#  * the image's size on disk must stay under AB_IMAGE_BUDGET_MB (default 150; MB = 10^6 bytes).
#  * prints a PASS/FAIL summary and the image's size over the base; exit 0 only if all pass.
#
# Cache (AB_CHECK_DIR, default build/dockerfile-check): the debootstrap tarball, the base root,
# the .deb files apt fetched (bind-mounted as /var/cache/apt/archives, so never in a root), and
# each stage's root after its leading instructions up to the first COPY (keyed by their text,
# like a docker layer cache): a rerun only copies the context again, builds and checks.
# Per-run roots are overlays on those; everything is unmounted on exit, whatever happens.
set -euo pipefail
# shellcheck disable=SC2317,SC2015 # df_* are called from the translated Dockerfile; A && pass || fail is meant

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prog=check-dockerfile
chroot_hostname="dockerfile-check"
# shellcheck source=scripts/lib/chroot.sh
. "$here/scripts/lib/chroot.sh"
dockerfile=$here/docker/Dockerfile
context=$here
cache=${AB_CHECK_DIR:-$here/build/dockerfile-check}
jobs=${AB_CHECK_JOBS:-2}
suite=bookworm
verbose=0
fresh=0
budget_mb=${AB_IMAGE_BUDGET_MB:-150}
build_args=()

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
        -v | --verbose) verbose=1 ;;
        --fresh) fresh=1 ;;
        -f | --file) dockerfile=$(realpath "$2"); shift ;;
        --build-arg) [[ ${2:-} == ?*=* ]] || { usage >&2; exit 2; }; build_args+=("$2"); shift ;;
        --build-arg=?*=*) build_args+=("${1#--build-arg=}") ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
    shift
done

die() { echo "check-dockerfile: $*" >&2; exit 2; }
# what a release build passes (docker/Dockerfile's header): the commit, unless given
if ! printf '%s\n' "${build_args[@]}" | grep -q '^REVISION='; then
    rev=$(git -C "$here" rev-parse HEAD 2>/dev/null || true)
    [ -z "$rev" ] || build_args+=("REVISION=$rev")
fi
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot, mount)"
[ -f "$dockerfile" ] || die "no $dockerfile"
for tool in python3 chroot mount umount sha256sum du tar; do
    command -v "$tool" >/dev/null || die "'$tool' is required"
done
need_debootstrap

mkdir -p "$cache"
cache=$(realpath "$cache")
run=$cache/run
t_start=$(date +%s)

# ---- mounts: everything this script mounts is below $cache (scripts/lib/chroot.sh); unmount
# all of it on exit
stub_pid=
cleanup() {
    local rc=$?
    [ -n "$stub_pid" ] && kill "$stub_pid" 2>/dev/null
    umount_under "$cache"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
umount_under "$cache" # what a killed run left mounted

# ---- results ----------------------------------------------------------------------------------
results=()
failures=0
pass() { results+=("PASS  $1"); echo "PASS  $1"; }
fail() { results+=("FAIL  $1"); echo "FAIL  $1"; failures=$((failures + 1)); }
note() { results+=("NOTE  $1"); echo "NOTE  $1"; }
step() { echo "==> $*"; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }

# ---- helper: Dockerfile -> bash, build context, mirrors, a stub /healthz -----------------------
safe_rm "$run"
mkdir -p "$run/logs" "$cache/layers" "$cache/debs/partial"
cat >"$run/helper.py" <<'PY'
import fnmatch, hashlib, http.server, json, os, re, shlex, shutil, socket, sys

def fail(msg):
    print("df_unsupported %s" % shlex.quote(msg))

def logical_lines(text):
    """Dockerfile lines: comments dropped (also inside continuations), `\\` + newline joined."""
    out, cur, start = [], None, 0
    for n, raw in enumerate(text.split("\n"), 1):
        if raw.strip().startswith("#") or (cur is None and not raw.strip()):
            continue
        if cur is None:
            cur, start = "", n
        if raw.rstrip().endswith("\\"):
            cur += raw.rstrip()[:-1]
            continue
        cur += raw
        out.append((start, cur.strip()))
        cur = None
    if cur:
        out.append((start, cur.strip()))
    return out

def exec_form(args):
    if args.startswith("["):
        return json.loads(args)
    return ["/bin/sh", "-c", args]

def q(*words):
    return " ".join(shlex.quote(str(w)) for w in words)

def substitute(text, args):
    """$NAME and ${NAME} of the stage's ARGs; None if anything else would be substituted."""
    def one(m):
        name = m.group(1) or m.group(2)
        if name not in args:
            raise KeyError(name)
        return args[name]
    try:
        text = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", one, text)
    except KeyError:
        return None
    return None if "$" in text else text

def parse(path, build_args):
    out, stages, prefix, in_prefix = [], [], [], False
    stage_args = {}  # the current stage's ARGs: value given with --build-arg, else the default
    def end_prefix():
        nonlocal in_prefix
        if in_prefix:
            h = hashlib.sha256(json.dumps(prefix).encode()).hexdigest()[:16]
            out[stages[-1]] = out[stages[-1]].replace("@PREFIX@", h)
            out.append("df_prefix_end")
        in_prefix = False
    for line, text in logical_lines(open(path).read()):
        m = re.match(r"(\S+)\s*(.*)", text, re.S)
        instr, args = m.group(1).upper(), m.group(2)
        if "<<" in args and instr in ("RUN", "COPY"):
            if re.match(r"<<-?['\"]?\w", args.strip()):
                fail("line %d: heredoc in %s" % (line, instr)); continue
        if instr == "LABEL" and "$" in args:
            sub = substitute(args, stage_args)
            if sub is None:
                fail("line %d: variable substitution in LABEL other than the stage's ARGs" % line)
                continue
            args = sub
        if instr not in ("RUN", "FROM", "CMD", "ENTRYPOINT", "HEALTHCHECK") and "$" in args:
            fail("line %d: variable substitution in %s" % (line, instr)); continue
        if instr == "ARG":
            # inside a stage only (an ARG before the first FROM parameterizes FROM: not emulated);
            # RUN sees it in its environment, LABEL substitutes it
            m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?", args.strip())
            if not stages or not m or (m.group(2) or "").startswith(("'", '"')):
                fail("line %d: ARG %s" % (line, args)); continue
            value = build_args.get(m.group(1), m.group(2) or "")
            stage_args[m.group(1)] = value
            if in_prefix:
                prefix.append("ARG %s=%s" % (m.group(1), value))
            out.append("df_arg %s %s" % (line, q(m.group(1), value)))
            continue
        if instr == "FROM":
            end_prefix()
            stage_args = {}
            words = args.split()
            words = [w for w in words if not w.startswith("--platform=")]
            alias = words[2] if len(words) == 3 and words[1].lower() == "as" else ""
            if len(words) not in (1, 3):
                fail("line %d: FROM %s" % (line, args)); continue
            stages.append(len(out))
            out.append("df_from %s %s @PREFIX@" % (line, q(words[0], alias)))
            prefix, in_prefix = [text], True
            continue
        if instr in ("COPY", "ADD"):
            end_prefix()
        elif in_prefix:
            prefix.append(text)
        if instr == "RUN":
            if args.startswith("["):
                fail("line %d: exec-form RUN" % line); continue
            out.append("df_run %s %s" % (line, q(args)))
            # the packages it installs, for the report only (the RUN itself is what runs)
            for seg in re.split(r"&&|;|\|\|", args):
                w = seg.split()
                if "apt-get" in w and "install" in w:
                    pk = [x for x in w[w.index("install") + 1:] if not x.startswith("-")]
                    out.append("df_packages %s" % q(*pk))
        elif instr == "COPY":
            words = shlex.split(args) if not args.startswith("[") else None
            flags = {}
            if words is None:
                rest = json.loads(args)
            else:
                while words and words[0].startswith("--"):
                    k, _, v = words.pop(0)[2:].partition("=")
                    flags[k] = v
                rest = words
                if rest and rest[0].startswith("["):
                    rest = json.loads(" ".join(rest))
            bad = set(flags) - {"from", "chown", "chmod", "link"}
            if bad or len(rest) < 2:
                fail("line %d: COPY %s" % (line, args)); continue
            out.append("df_copy %s %s" % (line, q(flags.get("from", ""), flags.get("chown", ""),
                                                  flags.get("chmod", ""), *rest)))
        elif instr == "WORKDIR":
            out.append("df_workdir %s %s" % (line, q(args)))
        elif instr == "USER":
            out.append("df_user %s %s" % (line, q(args)))
        elif instr == "ENV":
            words = shlex.split(args)
            if words and "=" not in words[0]:
                pairs = [(words[0], " ".join(words[1:]))]
            else:
                pairs = [w.split("=", 1) for w in words]
            for k, v in pairs:
                out.append("df_env %s %s" % (line, q(k, v)))
        elif instr == "ENTRYPOINT":
            out.append("df_entrypoint %s" % q(*exec_form(args)))
        elif instr == "CMD":
            out.append("df_cmd %s" % q(*exec_form(args)))
        elif instr == "HEALTHCHECK":
            if args.strip().upper() == "NONE":
                out.append("df_healthcheck")
                continue
            m = re.search(r"\bCMD\s+(.*)", args, re.S)
            if not m:
                fail("line %d: HEALTHCHECK %s" % (line, args)); continue
            out.append("df_healthcheck %s" % q(*exec_form(m.group(1).strip())))
        elif instr == "LABEL":
            words = shlex.split(args)
            if not words or any("=" not in w for w in words):
                fail("line %d: LABEL %s (only the KEY=VALUE form is emulated)" % (line, args)); continue
            for w in words:
                out.append("df_label %s" % q(*w.split("=", 1)))
        elif instr in ("EXPOSE", "STOPSIGNAL", "MAINTAINER"):
            out.append("df_meta %s %s" % (instr, q(args)))
        else:
            fail("line %d: %s is not emulated" % (line, instr))
    end_prefix()
    out.append("df_end")
    print("\n".join(out))

def ignore_rules(context, dockerfile):
    # BuildKit: <Dockerfile>.dockerignore next to the Dockerfile first, then the context's
    for cand in (dockerfile + ".dockerignore", os.path.join(context, ".dockerignore")):
        if os.path.exists(cand):
            src = cand
            break
    else:
        return [], None
    rules = []
    for raw in open(src):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        neg = s.startswith("!")
        s = os.path.normpath(s[1:].strip() if neg else s).lstrip("/")
        rx = ""
        i = 0
        while i < len(s):
            if s.startswith("**", i):
                rx += ".*"; i += 2
                if s.startswith("/", i):
                    rx = rx[:-2] + "(.*/)?"; i += 1
            elif s[i] == "*":
                rx += "[^/]*"; i += 1
            elif s[i] == "?":
                rx += "[^/]"; i += 1
            else:
                rx += re.escape(s[i]); i += 1
        rules.append((neg, re.compile("^" + rx + "$")))
    return rules, src

def ignored(rel, rules):
    parts = rel.split("/")
    hit = False
    for neg, rx in rules:
        # a pattern excludes a path when it matches the path or one of its parents
        if any(rx.match("/".join(parts[:i])) for i in range(1, len(parts) + 1)):
            hit = not neg
    return hit

def context(src, dockerfile, dest):
    rules, used = ignore_rules(src, dockerfile)
    has_neg = any(n for n, _ in rules)
    n = 0
    for dirpath, dirnames, filenames in os.walk(src):
        reldir = os.path.relpath(dirpath, src)
        reldir = "" if reldir == "." else reldir + "/"
        keep = []
        for d in sorted(dirnames):
            rel = reldir + d
            full = os.path.join(dirpath, d)
            if os.path.islink(full):
                filenames.append(d); continue
            if ignored(rel, rules) and not has_neg:
                continue
            keep.append(d)
        dirnames[:] = keep
        for f in filenames:
            rel = reldir + f
            if ignored(rel, rules):
                continue
            full = os.path.join(dirpath, f)
            out = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(out), exist_ok=True)
            if os.path.islink(full):
                os.symlink(os.readlink(full), out)
            else:
                shutil.copy2(full, out)
            n += 1
    print("%d files; .dockerignore: %s" % (n, used or "none"))

def healthz(portfile):
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            code = 200 if self.path == "/healthz" else 404
            body = b'{"status":"ok"}' if code == 200 else b"{}"
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *a):
            pass
    srv = http.server.HTTPServer(("127.0.0.1", 0), H)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()

cmd = sys.argv[1]
if cmd == "parse": parse(sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:]))
elif cmd == "context": context(sys.argv[2], sys.argv[3], sys.argv[4])
elif cmd == "healthz": healthz(sys.argv[2])
elif cmd == "free-port": free_port()
PY
helper() { python3 "$run/helper.py" "$@"; }

# ---- this machine's locally added CAs (a TLS-intercepting egress proxy): node in RUN trusts them
extra_ca_env=()
if host_extra_cas "$run/host-extra-ca.pem"; then
    extra_ca_env=(NODE_EXTRA_CA_CERTS=/dev/host-extra-ca.pem)
    note "RUN gets NODE_EXTRA_CA_CERTS with this machine's local CAs (${host_cas[*]##*/}): its egress re-signs TLS; a normal docker build needs no such thing"
fi

# ---- the base: debian:12-slim, as near as debootstrap gets -------------------------------------
read -r mirror security_mirror < <(host_mirrors)
if [ "$fresh" = 1 ]; then
    step "--fresh: dropping the base root and the cached stages"
    safe_rm "$cache/base"
    rm -f "$cache/base.stamp"
    for d in "$cache"/layers/*; do safe_rm "$d"; done
fi
tarball=$cache/$suite-minbase.tgz
if [ ! -f "$tarball" ]; then
    step "debootstrap --make-tarball ($suite minbase from $mirror)"
    make_tarball "$tarball" "$run/logs/debootstrap-download.log" "$suite" "$mirror" --variant=minbase
fi
if [ ! -f "$cache/base.stamp" ] || [ ! -d "$cache/base" ]; then
    step "debootstrap $suite minbase root (from the cached tarball), slimmed like debian:12-slim"
    safe_rm "$cache/base"
    safe_rm "$cache/base.tmp"
    b=$cache/base.tmp
    debootstrap --variant=minbase --unpack-tarball="$tarball" "$suite" "$b" "$mirror" \
        >"$run/logs/debootstrap.log" 2>&1 ||
        { tail -n 30 "$run/logs/debootstrap.log"; umount_under "$b"; die "debootstrap failed"; }
    umount_under "$b"
    # debuerreotype's slimify (the -slim images): these paths are never installed, nor kept
    cat >"$b/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# This is the "slim" variant of the Debian base image.
path-exclude /usr/share/doc/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
path-include /usr/share/doc/*/copyright
path-include /usr/share/doc/kde/HTML/C/*
path-include /usr/share/gnome/help/*/C/*
path-include /usr/share/locale/all_languages
path-include /usr/share/locale/currency/*
path-include /usr/share/locale/l10n/*
path-include /usr/share/locale/languages
path-include /usr/share/locale/locale.alias
path-include /usr/share/omf/*/*-C.emf
EOF
    (cd "$b" && find usr/share/doc usr/share/groff usr/share/info usr/share/linda \
        usr/share/lintian/overrides usr/share/locale usr/share/man -mindepth 1 \
        \( -type f -o -type l \) 2>/dev/null |
        grep -v -E '^usr/share/doc/[^/]+/copyright$|^usr/share/locale/(locale\.alias|languages|all_languages)$|^usr/share/locale/(currency|l10n)/' |
        xargs -r -d '\n' rm -f) || true
    find "$b/usr/share/doc" "$b/usr/share/man" "$b/usr/share/locale" "$b/usr/share/info" \
        -mindepth 1 -type d -empty -delete 2>/dev/null || true
    # the image's apt settings; .deb files go to the bind-mounted cache, never into a root
    cat >"$b/etc/apt/apt.conf.d/docker-clean" <<'EOF'
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    echo 'Acquire::Languages "none";' >"$b/etc/apt/apt.conf.d/docker-no-languages"
    printf 'Acquire::GzipIndexes "true";\nAcquire::CompressionTypes::Order:: "gz";\n' \
        >"$b/etc/apt/apt.conf.d/docker-gzip-indexes"
    printf 'Apt::AutoRemove::SuggestsImportant "false";\n' \
        >"$b/etc/apt/apt.conf.d/docker-autoremove-suggests"
    printf '#!/bin/sh\nexit 101\n' >"$b/usr/sbin/policy-rc.d" # no daemon starts in a build
    chmod 755 "$b/usr/sbin/policy-rc.d"
    debian_sources "$b" "$suite" "$mirror" "$security_mirror"
    : >"$b/etc/resolv.conf"
    echo dockerfile-check >"$b/etc/hostname"
    # the published image carries the updates of its day
    chroot_mount "$b" apt
    in_root "$b" 0 / DEBIAN_FRONTEND=noninteractive -- sh -c \
        'apt-get update -qq && apt-get -y -qq upgrade && rm -rf /var/lib/apt/lists/*' \
        >"$run/logs/base-upgrade.log" 2>&1 ||
        { chroot_umount "$b"; tail -n 30 "$run/logs/base-upgrade.log"; die "base upgrade failed"; }
    chroot_umount "$b"
    rm -rf "$b/var/log/apt/"* "$b/var/log/dpkg.log" "$b/var/cache/debconf/"*-old \
        "$b/var/cache/apt/archives/"*.deb # debootstrap's own downloads (apt-get clean)
    mv "$b" "$cache/base"
    date -u +%Y-%m-%dT%H:%M:%SZ >"$cache/base.stamp"
fi
base_stamp=$(cat "$cache/base.stamp")
base_bytes=$(du -sx --block-size=1 "$cache/base" | cut -f1)
base_apparent=$(du -sx --apparent-size --block-size=1 "$cache/base" | cut -f1)
step "base root from $base_stamp: $(mb "$base_bytes") on disk ($mirror, $security_mirror)"

# ---- the build context ------------------------------------------------------------------------
step "build context: $context (filtered by .dockerignore)"
mkdir -p "$run/context"
helper context "$context" "$dockerfile" "$run/context"

# ---- the Dockerfile, interpreted --------------------------------------------------------------
stage=-1
abort=0
declare -A stage_index=()
stage_roots=()
used_layers=()
st_root='' st_layer='' st_cached=0 st_workdir=/ st_user='' st_env=() st_args=() st_packages=()
st_from=''
entrypoint=() cmd=() healthcheck=() meta=()
declare -A labels=()
step_no=0

build_fail() { fail "build: $*"; abort=1; }

run_logged() { # NAME COMMAND...: output to a log (and the console with -v); tail on failure
    local log=$run/logs/$1.log rc=0
    shift
    if [ "$verbose" = 1 ]; then
        "$@" 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
    else
        "$@" >"$log" 2>&1 || rc=$?
    fi
    if [ "$rc" != 0 ]; then
        echo "---- last lines of $log ----"
        tail -n 40 "$log"
        echo "----"
    fi
    return "$rc"
}

stage_finish() {
    [ "$stage" -ge 0 ] || return 0
    [ -n "$st_root" ] && chroot_umount "$st_root"
    stage_roots[stage]=$st_root
}

df_from() { # LINE IMAGE ALIAS PREFIX-HASH
    [ "$abort" = 0 ] || return 0
    stage_finish
    stage=$((stage + 1))
    st_workdir=/ st_user='' st_env=() st_args=() st_packages=() entrypoint=() cmd=(bash)
    healthcheck=() meta=() labels=() st_from=$2
    [ -n "$3" ] && stage_index[$3]=$stage
    stage_index[$stage]=$stage
    local image=$2 digest=''
    if [[ $image =~ ^(.*)@(sha256:[0-9a-f]{64})$ ]]; then
        image=${BASH_REMATCH[1]} digest=${BASH_REMATCH[2]}
    fi
    case $image in
        debian:12-slim | debian:bookworm-slim | docker.io/library/debian:12-slim | \
            docker.io/library/debian:bookworm-slim) ;;
        *) build_fail "line $1: FROM $2: only debian:12-slim (optionally @sha256:...) is emulated"; return 0 ;;
    esac
    [ -z "$digest" ] ||
        note "line $1: FROM $image@${digest:0:19}...: pinned; not resolvable here (no registry), the $suite minbase stands in"
    local key
    key=$(printf '%s\n%s\n' "$base_stamp" "$4" | sha256sum | cut -c1-16)
    st_layer=$cache/layers/$key
    used_layers+=("$key")
    step "stage $stage${3:+ ($3)}: FROM $2 (line $1)"
    if [ -d "$st_layer" ]; then
        st_cached=1
        st_root=
    else
        st_cached=0
        safe_rm "$st_layer.tmp"
        cp -a "$cache/base" "$st_layer.tmp"
        st_root=$st_layer.tmp
        chroot_mount "$st_root" apt
    fi
}

df_prefix_end() { # the stage's context-free beginning is done: cache it, go on in an overlay
    [ "$abort" = 0 ] || return 0
    if [ "$st_cached" = 0 ]; then
        chroot_umount "$st_root"
        mv "$st_layer.tmp" "$st_layer"
    fi
    st_cached=0
    local d=$run/stage$stage
    overlay_root "$st_layer" "$d"
    st_root=$d/root
    chroot_mount "$st_root" apt
}

df_run() { # LINE COMMAND
    [ "$abort" = 0 ] || return 0
    step_no=$((step_no + 1))
    local short=${2:0:110}
    short=${short//$'\n'/ }
    if [ "$st_cached" = 1 ]; then
        echo "    [cached] RUN $short"
        return 0
    fi
    echo "    RUN $short"
    local t0=$SECONDS
    if run_logged "$(printf 'step%02d-line%s' "$step_no" "$1")" \
        in_root "$st_root" "$st_user" "$st_workdir" OMP_NUM_THREADS="$jobs" "${extra_ca_env[@]}" \
        "${st_args[@]}" "${st_env[@]}" -- \
        /bin/sh -c "$2"; then
        echo "    ... done in $((SECONDS - t0)) s"
    else
        build_fail "line $1: RUN exited non-zero: $short"
    fi
}

df_packages() { st_packages+=("$@"); }

df_workdir() { # LINE DIR
    [ "$abort" = 0 ] || return 0
    case $2 in /*) st_workdir=$2 ;; *) st_workdir=${st_workdir%/}/$2 ;; esac
    [ "$st_cached" = 1 ] || mkdir -p "$st_root$st_workdir"
}
df_user() { [ "$abort" = 0 ] || return 0; st_user=$2; }
df_env() { [ "$abort" = 0 ] || return 0; st_env+=("$2=$3"); }
df_entrypoint() { entrypoint=("$@"); cmd=(); } # docker: a new ENTRYPOINT resets the base's CMD
df_cmd() { cmd=("$@"); }
df_healthcheck() { healthcheck=("$@"); }
df_meta() { meta+=("$1 $2"); }
df_arg() { [ "$abort" = 0 ] || return 0; st_args+=("$2=$3"); }
df_label() { labels[$1]=$2; }
df_unsupported() { build_fail "Dockerfile $1 (not emulated: the check would not be honest)"; }

df_copy() { # LINE FROM CHOWN CHMOD SRC... DEST
    [ "$abort" = 0 ] || return 0
    local line=$1 from=$2 chown=$3 chmod=$4
    shift 4
    local args=("$@")
    local dest=${args[-1]}
    unset 'args[-1]'
    local src_root
    if [ -n "$from" ]; then
        local i=${stage_index[$from]:-}
        [ -n "$i" ] && [ -n "${stage_roots[i]:-}" ] ||
            { build_fail "line $line: COPY --from=$from: no such stage"; return 0; }
        src_root=${stage_roots[i]}
    else
        src_root=$run/context
    fi
    echo "    COPY ${from:+--from=$from }${args[*]} $dest"
    case $dest in /*) ;; *) dest=${st_workdir%/}/$dest ;; esac
    local dir_dest=0
    [ "${#args[@]}" -gt 1 ] && dir_dest=1
    case $dest in */) dir_dest=1 ;; esac
    [ -d "$st_root$dest" ] && [ ! -L "$st_root$dest" ] && dir_dest=1
    local s matches m target into owner tmp=$run/copy.tmp
    owner=$(resolve_user "$st_root" "${chown:-0:0}") || { build_fail "line $line: COPY --chown=$chown"; return 0; }
    for s in "${args[@]}"; do
        s=${s#/}
        shopt -s nullglob dotglob
        # shellcheck disable=SC2206 # the glob is the point
        matches=("$src_root"/$s)
        shopt -u nullglob dotglob
        if [ "${#matches[@]}" = 0 ] || [ ! -e "${matches[0]}" ]; then
            build_fail "line $line: COPY ${from:+--from=$from }$s: not found (ignored by .dockerignore, or never built?)"
            return 0
        fi
        for m in "${matches[@]}"; do
            # staged first so that only what is copied gets the owner (root unless --chown)
            safe_rm "$tmp"
            mkdir -p "$tmp"
            if [ -d "$m" ] && [ ! -L "$m" ]; then
                cp -a "$m/." "$tmp/"
                into=$st_root$dest
            else
                if [ "$dir_dest" = 1 ]; then target=${dest%/}/$(basename "$m"); else target=$dest; fi
                cp -a "$m" "$tmp/$(basename "$target")"
                into=$st_root$(dirname "$target")
            fi
            chown -R -h "$owner" "$tmp"
            if [ -n "$chmod" ]; then chmod -R "$chmod" "$tmp"; fi
            mkdir -p "$into"
            (cd "$tmp" && tar --numeric-owner -cf - .) |
                (cd "$into" && tar --numeric-owner --no-overwrite-dir -xpf -)
        done
    done
    safe_rm "$tmp"
}

df_end() {
    [ "$abort" = 0 ] || return 0
    stage_finish
}

step "interpreting $dockerfile${build_args[*]:+ (build args: ${build_args[*]})}"
helper parse "$dockerfile" "${build_args[@]}" >"$run/dockerfile.sh"
t_build=$(date +%s)
# shellcheck disable=SC1091
. "$run/dockerfile.sh"
build_secs=$(($(date +%s) - t_build))
[ "$abort" = 0 ] && pass "build: every instruction of $(basename "$dockerfile") ran (${build_secs} s)"

# ---- the image, checked -----------------------------------------------------------------------
if [ "$abort" = 0 ]; then
    img=${stage_roots[stage]}
    img_user=$st_user
    img_env=("${st_env[@]}")
    runtime_packages=("${st_packages[@]}")
    ids=$(resolve_user "$img" "$img_user")

    # size before anything of this check touches it
    img_bytes=$(du -sx --block-size=1 "$img" | cut -f1)
    img_apparent=$(du -sx --apparent-size --block-size=1 "$img" | cut -f1)

    # the probe: dlopen the module the way src/vision/loader.c does, load the model,
    # analyse a real portrait. Built in the first stage that has a C compiler.
    probe_built=0
    for i in $(seq 0 $((stage - 1))); do
        r=${stage_roots[i]}
        [ -x "$r/usr/bin/cc" ] || continue
        mkdir -p "$r/tmp/dockerfile-check"
        cp -a "$here/src" "$r/tmp/dockerfile-check/"
        cat >"$r/tmp/dockerfile-check/probe.c" <<'EOF'
/* dlopen avatarbot-vision.so as src/vision/loader.c does, init the face model, analyse. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "vision/module_api.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: probe MODULE MODEL PHOTO\n");
        return 2;
    }
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    const ab_vision_api *api = (const ab_vision_api *)dlsym(h, AB_VISION_API_SYMBOL);
    if (!api || api->version != AB_VISION_API_VERSION) {
        fprintf(stderr, "%s: %s\n", AB_VISION_API_SYMBOL, api ? "wrong version" : dlerror());
        return 1;
    }
    ab_err e = api->init(argv[2]);
    if (e != AB_OK) {
        fprintf(stderr, "init(%s) failed: %d\n", argv[2], (int)e);
        return 1;
    }
    FILE *f = fopen(argv[3], "rb");
    if (!f)
        return perror(argv[3]), 1;
    static unsigned char buf[16 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ab_vision_options opt;
    api->options_default(&opt, true);
    ab_vision_result r;
    e = api->analyze(buf, n, &opt, &r);
    printf("analyze=%d format=%s %dx%d analysed=%d faces=%d score=%.2f verdict=%s\n", (int)e,
           api->format_name(r.format), r.width, r.height, r.analysed, r.face_count,
           (double)r.face_score, api->verdict_name(r.verdict));
    api->shutdown();
    return e == AB_OK && r.analysed && r.has_face && r.face_count == 1 ? 0 : 1;
}
EOF
        chroot_mount "$r"
        if run_logged probe-build in_root "$r" 0 /tmp/dockerfile-check -- \
            cc -std=c11 -O1 -Wall -Werror -Isrc -o probe probe.c -ldl; then
            cp "$r/tmp/dockerfile-check/probe" "$run/probe"
            probe_built=1
        fi
        chroot_umount "$r"
        rm -rf "$r/tmp/dockerfile-check"
        break
    done

    # the portrait the vision tests use (python-matplotlib-data), cached
    photo=$cache/photo/grace_hopper.jpg
    if [ ! -f "$photo" ]; then
        mkdir -p "$cache/photo/deb"
        (cd "$cache/photo/deb" && { apt-get -q -o APT::Sandbox::User=root download python-matplotlib-data ||
            { apt-get update -qq && apt-get -q -o APT::Sandbox::User=root download python-matplotlib-data; }; }) \
            >"$run/logs/photo.log" 2>&1 || true
        deb=$(ls "$cache"/photo/deb/*.deb 2>/dev/null | head -n 1)
        if [ -n "$deb" ]; then
            dpkg-deb --fsys-tarfile "$deb" |
                tar -xO ./usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg >"$photo.tmp" &&
                mv "$photo.tmp" "$photo"
        fi
        rm -rf "$cache/photo/deb" "$photo.tmp"
    fi

    # the image as deploy/kubernetes runs it: read-only root, tmpfs /tmp, its USER and ENV
    ro=$run/image-ro
    mkdir -p "$ro"
    mount --bind "$img" "$ro"
    mount -o remount,bind,ro "$ro"
    chroot_mount "$ro"
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$ro/tmp"
    mkdir -m 755 "$ro/tmp/check"
    [ "$probe_built" = 1 ] && cp "$run/probe" "$ro/tmp/check/probe"
    [ -f "$photo" ] && cp "$photo" "$ro/tmp/check/photo.jpg"
    as_user() { in_root "$ro" "$img_user" / "${img_env[@]}" -- "$@"; }
    as_root() { in_root "$ro" 0 / -- "$@"; }
    step "the image: user ${img_user:-root} ($ids), read-only root, ENTRYPOINT ${entrypoint[*]:-none}, CMD ${cmd[*]:-none}"

    [ "${ids%%:*}" != 0 ] && pass "runs as a non-root user ($ids)" || fail "the image runs as root"
    [ "${#entrypoint[@]}" -gt 0 ] || fail "no ENTRYPOINT"

    want_version=$(sed -n 's/^#define AB_VERSION "\(.*\)"/\1/p' "$here/include/avatarbot/version.h")
    out=$(as_user "${entrypoint[@]}" version 2>&1) && [ "$out" = "avatarbot $want_version" ] &&
        pass "'${entrypoint[*]} version' prints '$out'" ||
        fail "'${entrypoint[*]} version': '$out' (want 'avatarbot $want_version')"
    out=$(as_user "${entrypoint[@]}" --help 2>&1) && grep -q FACE_MODEL_PATH <<<"$out" &&
        pass "'${entrypoint[*]} --help' exits 0 and lists the settings" ||
        fail "'${entrypoint[*]} --help': $(head -c 300 <<<"$out")"
    rc=0
    out=$(as_user timeout 20 "${entrypoint[@]}" "${cmd[@]}" 2>&1) || rc=$?
    if [ "$rc" = 124 ] || grep -q 'error while loading shared libraries' <<<"$out"; then
        fail "ENTRYPOINT+CMD '${entrypoint[*]} ${cmd[*]}' without configuration: rc $rc: $(head -c 300 <<<"$out")"
    else
        pass "ENTRYPOINT+CMD '${entrypoint[*]} ${cmd[*]}' starts, and stops on the missing configuration (rc $rc: $(grep -m1 -o 'config: [^(]*' <<<"$out" || head -c 80 <<<"$out"))"
    fi

    binary=$(as_user sh -c "command -v ${entrypoint[0]}" 2>/dev/null || true)
    [ -n "$binary" ] && pass "${entrypoint[0]} is on the PATH: $binary" || fail "${entrypoint[0]} is not on the image's PATH"
    module_default=$(grep -o '"/[^"]*avatarbot-vision\.so"' "$here/src/vision/loader.c" | tr -d '"' | head -n 1)
    module=
    for cand in "$(dirname "${binary:-/nonexistent}")/avatarbot-vision.so" "$module_default"; do
        if as_user test -r "$cand"; then module=$cand; break; fi
    done
    [ -n "$module" ] && pass "the vision module is where the service looks, readable by the user: $module" ||
        fail "no readable avatarbot-vision.so next to the binary or at $module_default"
    model=$(grep -A1 '"FACE_MODEL_PATH"' "$here/src/core/config.c" | grep -o '"/[^"]*"' | tr -d '"' | head -n 1)
    for e in "${img_env[@]}"; do case $e in FACE_MODEL_PATH=*) model=${e#*=} ;; esac; done
    want_sha=$(sed -n 's/^set(AB_FACE_MODEL_SHA256 "\([0-9a-f]*\)")/\1/p' "$here/cmake/vision.cmake")
    if as_user test -r "$model"; then
        have_sha=$(sha256sum "$ro$model" | cut -d' ' -f1)
        [ "$have_sha" = "$want_sha" ] &&
            pass "the face model is at FACE_MODEL_PATH's default $model, readable, SHA-256 as pinned" ||
            fail "the face model at $model has SHA-256 $have_sha, cmake/vision.cmake pins $want_sha"
    else
        fail "no readable face model at FACE_MODEL_PATH's default $model"
    fi
    # the model's licence beside it, as cmake/vision.cmake names and pins it
    licence=${model%.onnx}.LICENSE
    want_sha=$(sed -n 's/^set(AB_FACE_MODEL_LICENSE_SHA256 "\([0-9a-f]*\)")/\1/p' "$here/cmake/vision.cmake")
    if as_user test -r "$licence"; then
        have_sha=$(sha256sum "$ro$licence" | cut -d' ' -f1)
        [ -n "$want_sha" ] && [ "$have_sha" = "$want_sha" ] &&
            pass "the face model's licence is beside it, readable, SHA-256 as pinned: $licence ($(head -n 1 "$ro$licence" | tr -s ' '))" ||
            fail "the licence at $licence has SHA-256 $have_sha, cmake/vision.cmake pins '${want_sha}'"
    else
        fail "no readable licence beside the face model ($licence)"
    fi

    # OCI annotations: the ones a registry and a scanner read, the version the binary reports
    oci=org.opencontainers.image
    missing=()
    for k in title version revision source licenses base.name base.digest; do
        [ -n "${labels[$oci.$k]:-}" ] || missing+=("$k")
    done
    from_digest=
    [[ $st_from =~ @(sha256:[0-9a-f]{64})$ ]] && from_digest=${BASH_REMATCH[1]}
    if [ "${#missing[@]}" != 0 ]; then
        fail "OCI labels missing or empty: ${missing[*]/#/$oci.}"
    elif [ "${labels[$oci.version]}" != "$want_version" ]; then
        fail "label $oci.version is '${labels[$oci.version]}', the binary is $want_version"
    elif [ "${labels[$oci.base.digest]}" != "$from_digest" ]; then
        fail "label $oci.base.digest is '${labels[$oci.base.digest]}', the runtime stage is FROM $st_from"
    else
        pass "OCI labels: $(for k in version revision source licenses base.name; do printf '%s=%s ' "$k" "${labels[$oci.$k]}"; done)base.digest=${from_digest:0:19}..."
    fi

    # the size budget (issue 20): what weighs most, whatever the result
    budget=$((budget_mb * 1000000))
    [ "$img_bytes" -lt "$budget" ] &&
        pass "image size $(mb "$img_bytes") on disk, under the budget of $budget_mb MB" ||
        fail "image size $(mb "$img_bytes") on disk, over the budget of $budget_mb MB"
    note "largest packages (installed KB): $(as_root dpkg-query -W -f '${Installed-Size} ${Package}\n' 2>/dev/null |
        sort -rn | head -n 8 | awk '{ printf "%s %s, ", $2, $1 }' | sed 's/, $//')"

    ldd_ok=1
    for elf in ${binary:+"$binary"} ${module:+"$module"}; do
        out=$(as_user ldd "$elf" 2>&1) || true
        if grep -q 'not found' <<<"$out"; then
            fail "ldd $elf: $(grep 'not found' <<<"$out" | tr -s ' \t' ' ' | tr '\n' ';')"
            ldd_ok=0
        else
            pass "ldd $elf: all $(grep -c '=>' <<<"$out") libraries found"
        fi
        out=$(as_user env LD_BIND_NOW=1 ldd -r "$elf" 2>&1) || true
        if grep -q -E 'undefined symbol|not found' <<<"$out"; then
            fail "LD_BIND_NOW=1 ldd -r $elf: $(grep -E 'undefined symbol|not found' <<<"$out" | head -n 5 | tr '\n' ';')"
        else
            pass "LD_BIND_NOW=1 ldd -r $elf: every symbol resolves"
        fi
    done

    if [ "$probe_built" != 1 ]; then
        fail "dlopen probe: could not be built (see $run/logs/probe-build.log)"
    elif [ ! -f "$photo" ]; then
        fail "dlopen probe: no test portrait (apt-get download python-matplotlib-data failed: $run/logs/photo.log)"
    elif [ -n "$module" ]; then
        rc=0
        out=$(as_user /tmp/check/probe "$module" "$model" /tmp/check/photo.jpg 2>&1) || rc=$?
        [ "$rc" = 0 ] &&
            pass "dlopen($module, RTLD_NOW) + init(model) + analyze(grace_hopper.jpg): $out" ||
            fail "dlopen probe (rc $rc): $out"
    fi

    if [ "${#healthcheck[@]}" = 0 ]; then
        fail "no HEALTHCHECK"
    else
        rm -f "$run/healthz.port"
        python3 "$run/helper.py" healthz "$run/healthz.port" &
        stub_pid=$!
        for _ in $(seq 50); do [ -f "$run/healthz.port" ] && break; sleep 0.1; done
        port=$(cat "$run/healthz.port" 2>/dev/null || echo 0)
        rc=0
        out=$(in_root "$ro" "$img_user" / "${img_env[@]}" HTTP_PORT="$port" -- "${healthcheck[@]}" 2>&1) || rc=$?
        [ "$rc" = 0 ] && pass "HEALTHCHECK '${healthcheck[*]}' exits 0 when /healthz answers 200 (stub on port $port)" ||
            fail "HEALTHCHECK '${healthcheck[*]}' against a healthy stub: rc $rc: $out"
        kill "$stub_pid" 2>/dev/null || true
        wait "$stub_pid" 2>/dev/null || true
        stub_pid=
        closed=$(helper free-port)
        rc=0
        out=$(in_root "$ro" "$img_user" / "${img_env[@]}" HTTP_PORT="$closed" -- "${healthcheck[@]}" 2>&1) || rc=$?
        [ "$rc" = 1 ] && pass "HEALTHCHECK exits 1 when nothing answers ($(head -c 100 <<<"$out"))" ||
            fail "HEALTHCHECK with nothing listening: rc $rc (want 1): $out"
    fi

    # which listed runtime packages provide none of the libraries actually loaded (a note only)
    if [ "$ldd_ok" = 1 ] && [ "${#runtime_packages[@]}" -gt 0 ]; then
        declare -A providing=()
        while IFS= read -r lib; do
            for cand in "$lib" "$(realpath -m "$ro$lib" | sed "s|^$ro||")"; do
                for p in "$cand" "${cand/#\/usr\/lib\//\/lib\/}"; do
                    pkg=$(as_root dpkg -S "$p" 2>/dev/null | head -n 1 | cut -d: -f1) || true
                    [ -n "$pkg" ] && { providing[$pkg]=1; break 2; }
                done
            done
        done < <(for elf in "$binary" "$module"; do as_user ldd "$elf"; done 2>/dev/null |
            awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u)
        unused=()
        for p in "${runtime_packages[@]}"; do
            [ -n "${providing[$p]:-}" ] || [ "$p" = ca-certificates ] || unused+=("$p")
        done
        [ "${#unused[@]}" = 0 ] &&
            note "every runtime package but ca-certificates provides a library the binary or module loads" ||
            note "runtime packages providing no loaded library: ${unused[*]}"
    fi
    chroot_umount "$ro"
    umount_under "$ro"
fi

# ---- summary ----------------------------------------------------------------------------------
# keep the cached stages of this run and of the last few others (an edited Dockerfile, -f)
for k in "${used_layers[@]}"; do [ -d "$cache/layers/$k" ] && touch "$cache/layers/$k"; done
keep=$((${#used_layers[@]} + 4))
while IFS= read -r d; do
    safe_rm "$d"
done < <(find "$cache/layers" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' | sort -rn |
    tail -n +$((keep + 1)) | cut -d' ' -f2-)
echo
echo "==== check-dockerfile: $(basename "$dockerfile") ===="
printf '%s\n' "${results[@]}"
if [ -n "${img_bytes:-}" ]; then
    echo "size: base (debian:12-slim stand-in) $(mb "$base_bytes") on disk, $(mb "$base_apparent") apparent;"
    echo "      image $(mb "$img_bytes") on disk, $(mb "$img_apparent") apparent;" \
        "the Dockerfile adds $(mb $((img_bytes - base_bytes))) on disk, $(mb $((img_apparent - base_apparent))) apparent"
fi
echo "time: $(($(date +%s) - t_start)) s; logs: $run/logs"
if [ "$failures" = 0 ] && [ "$abort" = 0 ]; then
    echo "RESULT: PASS"
    exit 0
fi
echo "RESULT: FAIL ($failures failed)"
exit 1
