# shellcheck shell=bash
# shellcheck disable=SC2154 # prog, cache and chroot_hostname are the caller's
# chroot.sh — what scripts/check-dockerfile.sh and scripts/check-pristine.sh share to work in
# Debian roots made with debootstrap and entered with chroot: mounts (all below one folder and
# all undone on exit), a build container's /proc, /sys, /dev and resolv.conf, commands run in
# a root as a user with a clean environment, the Debian mirror this machine's apt uses, and
# this machine's locally added CAs. Sourced; the caller sets `prog` (its name, for messages),
# `cache` (every mount it makes is below it) and `chroot_hostname` (HOSTNAME in a root), and
# defines die().

# ---- mounts -----------------------------------------------------------------------------------
mounts_under() { # DIR: mount points at or below DIR, deepest first
    local d
    d=$(realpath -m "$1")
    awk -v d="$d" '{ p = $5; gsub(/\\040/, " ", p); if (p == d || index(p, d "/") == 1) print p }' \
        /proc/self/mountinfo | sort -r
}
umount_under() { # DIR [keep-DIR-itself]
    local m
    while IFS= read -r m; do
        [ -n "$m" ] || continue
        [ "${2:-}" = keep ] && [ "$m" = "$(realpath -m "$1")" ] && continue
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || echo "$prog: cannot unmount $m" >&2
    done < <(mounts_under "$1")
}
safe_rm() { # DIR: never follow a mount out of the tree (a bound /dev, the deb cache...)
    [ -e "$1" ] || return 0
    umount_under "$1"
    [ -z "$(mounts_under "$1")" ] || die "still mounted below $1; not removing it"
    rm -rf --one-file-system "$1"
}

# overlay_root LOWER DIR: DIR/root becomes LOWER with changes kept in DIR/upper (overlayfs),
# or a plain copy of LOWER where overlayfs is not available
overlay_root() {
    local d=$2
    mkdir -p "$d/upper" "$d/work" "$d/root"
    if ! mount -t overlay overlay -o "lowerdir=$1,upperdir=$d/upper,workdir=$d/work" \
        "$d/root" 2>/dev/null; then
        rmdir "$d/root"
        cp -a "$1" "$d/root"
    fi
}

# ---- this machine's locally added CAs (an egress proxy that re-signs TLS) ---------------------
# host_extra_cas PEM: writes them to PEM (then chroot_mount offers them in a root as
# /dev/host-extra-ca.pem, for NODE_EXTRA_CA_CERTS: node, and so npm, has its own CA list);
# returns 1 when there are none. host_cas lists them.
host_cas=()
chroot_extra_ca=
host_extra_cas() {
    shopt -s nullglob
    host_cas=(/usr/local/share/ca-certificates/*.crt /usr/local/share/ca-certificates/*/*.crt)
    shopt -u nullglob
    [ "${#host_cas[@]}" -gt 0 ] || return 1
    cat "${host_cas[@]}" >"$1"
    chroot_extra_ca=$1
}

# ---- entering a root --------------------------------------------------------------------------
# chroot_mount ROOT [apt] [pts]: what a build container has; apt: the shared .deb cache
# ($cache/debs) as /var/cache/apt/archives as well; pts: a private /dev/pts (for ptys)
chroot_mount() {
    local r=$1 n opt apt=0 pts=0
    for opt in "${@:2}"; do
        case $opt in apt) apt=1 ;; pts) pts=1 ;; *) die "chroot_mount: unknown option $opt" ;; esac
    done
    mount -t proc proc "$r/proc"
    mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$r/sys"
    mount -t tmpfs -o mode=755,nosuid tmpfs "$r/dev"
    for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
        mknod -m 666 "$r/dev/${n%%:*}" c "$(echo "$n" | cut -d: -f2)" "${n##*:}"
    done
    ln -s /proc/self/fd "$r/dev/fd"
    ln -s /proc/self/fd/0 "$r/dev/stdin"
    ln -s /proc/self/fd/1 "$r/dev/stdout"
    ln -s /proc/self/fd/2 "$r/dev/stderr"
    mkdir -m 1777 "$r/dev/shm"
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$r/dev/shm"
    if [ "$pts" = 1 ]; then
        mkdir -m 755 "$r/dev/pts"
        mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$r/dev/pts"
        ln -s pts/ptmx "$r/dev/ptmx"
    fi
    # on the /dev tmpfs, so that no trace of them is left in a root
    if [ -n "$chroot_extra_ca" ] && [ -s "$chroot_extra_ca" ]; then
        cp "$chroot_extra_ca" "$r/dev/host-extra-ca.pem"
    fi
    if [ -L "$r/etc/resolv.conf" ] || [ ! -e "$r/etc/resolv.conf" ]; then
        rm -f "$r/etc/resolv.conf"
        : >"$r/etc/resolv.conf"
    fi
    mount --bind /etc/resolv.conf "$r/etc/resolv.conf"
    mount -o remount,bind,ro "$r/etc/resolv.conf"
    if [ "$apt" = 1 ]; then
        mkdir -p "$cache/debs/partial" "$r/var/cache/apt/archives"
        mount --bind "$cache/debs" "$r/var/cache/apt/archives"
    fi
}
chroot_umount() { umount_under "$1" keep; }

default_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# in_root ROOT USER WORKDIR ENV-ASSIGNMENT... -- COMMAND...: like `docker run --user USER -w`
in_root() {
    local r=$1 user=$2 wd=$3
    shift 3
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    local ids home spec=()
    ids=$(resolve_user "$r" "$user") || return 125
    home=$(awk -F: -v u="${ids%%:*}" '$3 == u { print $6; exit }' "$r/etc/passwd")
    [ "${ids%%:*}" = 0 ] || spec=(--userspec="$ids")
    chroot "${spec[@]}" "$r" /usr/bin/env -i PATH="$default_path" HOSTNAME="$chroot_hostname" \
        HOME="${home:-/}" "${envs[@]}" /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$wd" "$@" \
        </dev/null
}
# resolve_user ROOT USER[:GROUP] -> uid:gid, looked up in the root's own passwd/group
resolve_user() {
    local r=$1 u=${2%%:*} g='' uid gid
    [ -n "$2" ] || u=0
    case $2 in *:*) g=${2#*:} ;; esac
    if [[ $u =~ ^[0-9]+$ ]]; then uid=$u; else
        uid=$(awk -F: -v n="$u" '$1 == n { print $3; exit }' "$r/etc/passwd")
        [ -n "$uid" ] || { echo "no user $u in the image" >&2; return 1; }
    fi
    if [ -z "$g" ]; then
        gid=$(awk -F: -v u="$uid" '$3 == u { print $4; exit }' "$r/etc/passwd")
        gid=${gid:-0}
    elif [[ $g =~ ^[0-9]+$ ]]; then gid=$g; else
        gid=$(awk -F: -v n="$g" '$1 == n { print $3; exit }' "$r/etc/group")
        [ -n "$gid" ] || { echo "no group $g in the image" >&2; return 1; }
    fi
    echo "$uid:$gid"
}

# ---- debootstrap ------------------------------------------------------------------------------
need_debootstrap() {
    command -v debootstrap >/dev/null && return 0
    echo "$prog: installing debootstrap" >&2
    apt-get install -y debootstrap >/dev/null 2>&1 ||
        { apt-get update -qq && apt-get install -y debootstrap >/dev/null; } ||
        die "cannot install debootstrap"
}

# host_mirrors: prints the Debian mirror and the security mirror this machine's apt uses
host_mirrors() {
    python3 - <<'PY'
import os, re
found = {}
def add(uri, suites):
    for s in suites:
        kind = "security" if s.endswith("-security") else "main"
        if s.split("-")[0] in ("bookworm", "stable") and kind not in found:
            found[kind] = uri.rstrip("/")
d = "/etc/apt/sources.list.d"
files = ["/etc/apt/sources.list"] + sorted(os.path.join(d, f) for f in os.listdir(d))
for f in files:
    if not os.path.isfile(f):
        continue
    text = open(f).read()
    if f.endswith(".sources"):
        for para in re.split(r"\n\s*\n", text):
            kv = dict(re.findall(r"^([A-Za-z-]+):\s*(.*)$", para, re.M))
            if kv.get("Enabled", "yes").lower() == "no" or "deb" not in kv.get("Types", "").split():
                continue
            for uri in kv.get("URIs", "").split():
                add(uri, kv.get("Suites", "").split())
    elif f.endswith(".list"):
        for l in text.splitlines():
            l = re.sub(r"\[[^]]*\]", "", l.split("#")[0]).split()
            if len(l) >= 3 and l[0] == "deb":
                add(l[1], [l[2]])
main = found.get("main", "http://deb.debian.org/debian")
print(main, found.get("security", main.rsplit("/", 1)[0] + "/debian-security"))
PY
}

# make_tarball TARBALL LOG SUITE MIRROR [DEBOOTSTRAP-OPTION...]: debootstrap's downloads, once
make_tarball() {
    local tarball=$1 log=$2 suite=$3 mirror=$4
    shift 4
    [ -f "$tarball" ] && return 0
    safe_rm "$tarball.dir"
    debootstrap "$@" --make-tarball="$tarball.tmp" "$suite" "$tarball.dir" "$mirror" >"$log" 2>&1 ||
        { tail -n 30 "$log"; die "debootstrap download failed"; }
    mv "$tarball.tmp" "$tarball"
    safe_rm "$tarball.dir"
}

# debian_sources ROOT SUITE MIRROR SECURITY-MIRROR: deb822 sources for SUITE, its updates and
# its security updates, as Debian's installer and images have them
debian_sources() {
    rm -f "$1/etc/apt/sources.list"
    cat >"$1/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $3
Suites: $2 $2-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $4
Suites: $2-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}
