#!/usr/bin/env bash
# check-pristine.sh — evidence that the README's quick start holds on a pristine Debian 12:
# `make test` (after `apt-get install make`) passes as root in a freshly debootstrap'ed
# bookworm system entered with chroot, with nothing from this machine in it but the checkout.
#
# Opt-in, root only, NOT part of the test suite or CI: the first run downloads about 500 MB of
# Debian packages (and npm packages, Node.js 22 among them) and takes about 36 minutes on 2
# cores (deps 98 s, build 13 s, plain suite 17 min, ASan build 19 s, ASan suite 16 min).
#
#   sudo scripts/check-pristine.sh [-v] [--fresh] [--keep]
#
#   -v        stream make test's output (it always goes to the log as well)
#   --fresh   debootstrap the system again (the downloads in the cache are kept)
#   --keep    keep the run's root after a PASS (after a FAIL it is always kept, to look into)
#
# What it does:
#  * the system: debootstrap's default variant of bookworm (the packages of Priority required
#    and important: Debian's base system, what debian-installer puts on every server before
#    its optional tasks, and what a cloud image has at least) from the mirror this machine's
#    apt uses, with the installer's sources (bookworm, bookworm-updates, bookworm-security).
#    Not minbase: that is a container's base (no iproute2, no less, no cron...), not a system
#    one logs in to as root. Its packages as debootstrap installed them (no upgrade), plus
#    /etc/hosts and /etc/hostname as the installer writes them (debootstrap writes none), and
#    one thing every chroot needs: a policy-rc.d that stops package scripts from starting
#    daemons (no init runs here; postgresql's would start a cluster on this machine's network).
#  * each run gets a fresh copy of it (an overlay on the cached, never-entered root), with
#    /proc, /sys (ro), a minimal /dev with a private /dev/pts (the terminal-chat test needs a
#    pty), the host's resolv.conf, and the .deb cache below mounted (as scripts/lib/chroot.sh
#    does for check-dockerfile.sh).
#  * the checkout: `git clone --depth 1` of this repository's HEAD into /root/avatarbot
#    (committed files only, as a newcomer's clone; uncommitted changes are NOT tested).
#  * in the chroot, as root with a login's environment (root's PATH, HOME=/root, LANG=C.UTF-8
#    as Debian's cloud images set it):
#    `apt-get update && apt-get install -y make`, then `make test`, its output time-stamped
#    into a log. Where this machine trusts extra CAs (/usr/local/share/ca-certificates: an
#    egress proxy that re-signs TLS), NODE_EXTRA_CA_CERTS points node and npm at them on the
#    /dev tmpfs: nothing of them is written into the root (apt uses the mirror's http).
#  * prints PASS/FAIL, the time of each phase (make, deps, build, plain suite, ASan build,
#    ASan suite), the ctest summaries, what deps.sh installed, and the node and npm that ran.
#
# Cache (AB_PRISTINE_DIR, default build/pristine-check): the debootstrap tarball, the system
# root, the .deb files apt fetched (bind-mounted as /var/cache/apt/archives, so never in a
# root), and run/ (this run's logs and root). Everything is unmounted on exit, whatever happens;
# processes left running in the root are ended first.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prog=check-pristine
chroot_hostname=$(cat /proc/sys/kernel/hostname) # a chroot has the machine's name
# shellcheck source=scripts/lib/chroot.sh
. "$here/scripts/lib/chroot.sh"
cache=${AB_PRISTINE_DIR:-$here/build/pristine-check}
suite=bookworm
verbose=0
fresh=0
keep=0

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
        -v | --verbose) verbose=1 ;;
        --fresh) fresh=1 ;;
        --keep) keep=1 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
    shift
done

die() { echo "check-pristine: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot, mount)"
for tool in python3 git chroot mount umount tar awk; do
    command -v "$tool" >/dev/null || die "'$tool' is required"
done
need_debootstrap
commit=$(git -C "$here" rev-parse HEAD) || die "$here is not a git checkout"
[ -z "$(git -C "$here" status --porcelain --untracked-files=no)" ] ||
    echo "check-pristine: NOTE: uncommitted changes are not tested (the root gets a clone of HEAD)" >&2

mkdir -p "$cache"
cache=$(realpath "$cache")
run=$cache/run
root=$run/sys/root
t_start=$(date +%s)

# processes started in ROOT (the suite's stand-ins, a PostgreSQL a failed test left running):
# ended before the root's mounts go
end_processes_in() {
    local r p pids=() n
    r=$(realpath -m "$1")
    for n in 1 2 3; do
        pids=()
        for p in /proc/[0-9]*; do
            [ "$(readlink "$p/root" 2>/dev/null)" = "$r" ] && pids+=("${p#/proc/}")
        done
        [ "${#pids[@]}" -gt 0 ] || return 0
        if [ "$n" = 1 ]; then
            echo "check-pristine: ending ${#pids[@]} processes left in the root" >&2
            kill -TERM "${pids[@]}" 2>/dev/null || true
        else
            kill -KILL "${pids[@]}" 2>/dev/null || true
        fi
        sleep 3
    done
}
# shellcheck disable=SC2317 # a trap
cleanup() {
    local rc=$?
    [ -d "$root" ] && end_processes_in "$root"
    umount_under "$cache"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
umount_under "$cache" # what a killed run left mounted

step() { echo "==> $*"; }
safe_rm "$run"
mkdir -p "$run/logs" "$cache/debs/partial"
log=$run/logs/make-test.log

# ---- the system -------------------------------------------------------------------------------
read -r mirror security_mirror < <(host_mirrors)
node_env=()
if host_extra_cas "$run/host-extra-ca.pem"; then
    node_env=(NODE_EXTRA_CA_CERTS=/dev/host-extra-ca.pem)
    echo "NOTE  node and npm get NODE_EXTRA_CA_CERTS with this machine's local CAs (${host_cas[*]##*/}): its egress re-signs TLS; a pristine machine needs no such thing"
fi
if [ "$fresh" = 1 ]; then
    step "--fresh: dropping the system root"
    safe_rm "$cache/base"
    rm -f "$cache/base.stamp"
fi
tarball=$cache/$suite-default.tgz
if [ ! -f "$tarball" ]; then
    step "debootstrap --make-tarball ($suite, default variant, from $mirror)"
    make_tarball "$tarball" "$run/logs/debootstrap-download.log" "$suite" "$mirror"
fi
if [ ! -f "$cache/base.stamp" ] || [ ! -d "$cache/base" ]; then
    step "debootstrap $suite (default variant: required + important) from the cached tarball"
    safe_rm "$cache/base"
    safe_rm "$cache/base.tmp"
    b=$cache/base.tmp
    debootstrap --unpack-tarball="$tarball" "$suite" "$b" "$mirror" \
        >"$run/logs/debootstrap.log" 2>&1 ||
        { tail -n 30 "$run/logs/debootstrap.log"; umount_under "$b"; die "debootstrap failed"; }
    umount_under "$b"
    debian_sources "$b" "$suite" "$mirror" "$security_mirror"
    # no init in a chroot: package scripts must not start daemons (postgresql's cluster)
    printf '#!/bin/sh\nexit 101\n' >"$b/usr/sbin/policy-rc.d"
    chmod 755 "$b/usr/sbin/policy-rc.d"
    : >"$b/etc/resolv.conf"
    mv "$b" "$cache/base"
    date -u +%Y-%m-%dT%H:%M:%SZ >"$cache/base.stamp"
fi
present=()
for p in make git ca-certificates nodejs npm; do
    [ "$(dpkg-query --admindir="$cache/base/var/lib/dpkg" -W -f '${Status}' "$p" 2>/dev/null)" != \
        "install ok installed" ] || present+=("$p")
done
step "system: $suite root from $(cat "$cache/base.stamp") ($mirror, $security_mirror):" \
    "$(dpkg-query --admindir="$cache/base/var/lib/dpkg" -W -f '.\n' | wc -l) packages;" \
    "of make, git, ca-certificates, nodejs, npm: ${present[*]:-none} installed"
overlay_root "$cache/base" "$run/sys"
# what debian-installer (netcfg) writes and debootstrap does not: the machine's name, localhost
echo "$chroot_hostname" >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n\n%s\n%s\n%s\n%s\n' "$chroot_hostname" \
    '# The following lines are desirable for IPv6 capable hosts' \
    '::1     localhost ip6-localhost ip6-loopback' 'ff02::1 ip6-allnodes' 'ff02::2 ip6-allrouters' \
    >"$root/etc/hosts"
chroot_mount "$root" apt pts

# ---- the checkout -----------------------------------------------------------------------------
step "checkout: git clone --depth 1 of $commit into /root/avatarbot"
git clone --quiet --depth 1 --no-local "file://$here" "$root/root/avatarbot" 2>"$run/logs/clone.log" ||
    { cat "$run/logs/clone.log"; die "git clone failed"; }
[ "$(git -C "$root/root/avatarbot" rev-parse HEAD)" = "$commit" ] || die "the clone is not at $commit"

# ---- in the chroot: apt-get install make, make test ---------------------------------------------
as_root_login() { # COMMAND...: as root in the root, with a login shell's environment
    in_root "$root" 0 /root/avatarbot USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb LANG=C.UTF-8 \
        "${node_env[@]}" -- "$@"
}
stamp() { # each line prefixed with the epoch second it arrived in; also to the console with -v
    local l
    while IFS= read -r l; do
        printf '%(%s)T %s\n' -1 "$l"
        [ "$verbose" = 0 ] || printf '%s\n' "$l" >&2
    done
}
t0=$(date +%s)
step "apt-get update && apt-get install -y make"
rc=0
as_root_login sh -c 'command -v make || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q make; }' \
    2>&1 | stamp >"$run/logs/make-install.log" || rc=$?
t_make=$(($(date +%s) - t0))
[ "$rc" = 0 ] || { tail -n 30 "$run/logs/make-install.log"; die "apt-get install make failed"; }

step "make test (log: $log)"
t0=$(date +%s)
rc=0
as_root_login make test 2>&1 | stamp >"$log" || rc=$?
t_test=$(($(date +%s) - t0))
end_processes_in "$root"

# which node and npm: what the suite's tools ran with (the PATH of the run)
# shellcheck disable=SC2016 # expanded in the root
tools=$(as_root_login sh -c '
    n=$(command -v node) && echo "node: $n -> $(readlink -f "$n") $(node --version)"
    echo "npm: $(command -v npm) $(npm --version 2>&1 | tail -n 1)$(head -n 3 "$(command -v npm)" | grep -o "exec [^ ]* [^ ]*" | sed "s/^/ (/; s/$/)/")"
    [ -x /usr/bin/node ] && echo "Debian node: /usr/bin/node $(/usr/bin/node --version)"
    echo "git $(git --version | cut -d" " -f3), make $(make --version | head -n 1 | cut -d" " -f3)"' 2>&1) || true

# ---- summary ----------------------------------------------------------------------------------
phases=$(awk -v t0="$t0" -v end="$((t0 + t_test))" '
    function mark(name) { if (!(name in at)) { at[name] = $1; order[++n] = name } }
    { if (!("deps" in at)) mark("deps") }
    $2 == "make" && $3 == "test-plain" { mark("build") }
    $2 == "cd" && $3 == "build" && $4 == "&&" && $5 == "ctest" { mark("plain suite") }
    $2 == "make" && $3 == "test-asan" { mark("ASan build") }
    $2 == "cd" && $3 == "build-asan" { mark("ASan suite") }
    END {
        if (n == 0) { print "n/a"; exit }
        at["deps"] = t0
        for (i = 1; i <= n; i++) {
            stop = (i < n) ? at[order[i + 1]] : end
            printf "%s%s %d s", (i > 1 ? ", " : ""), order[i], stop - at[order[i]]
        }
        print ""
    }' "$log")
installed=$(sed -n '/installing Node.js/!s/^[0-9]* deps.sh: installing //p' "$log" | tr '\n' ';' | sed 's/;$//')
node_lines=$(sed -n 's/^[0-9]* \(deps.sh: \(installing Node.js\|Debian.s npm\).*\)/\1/p' "$log")
suites=$(sed -n 's/^[0-9]* \([0-9]*% tests passed.*\)/\1/p; s/^[0-9]* \(Total Test time.*\)/\1/p' "$log")
failed=$(sed -n '/The following tests FAILED:/,/^[0-9]* Errors while running CTest/p' "$log" |
    sed 's/^[0-9]* //' | grep -v -E 'The following tests FAILED|Errors while running' || true)
skipped=$(grep -o '[^ ]* \.*\*\*\*Skipped' "$log" | awk '{ print $1 }' | sort -u | tr '\n' ' ' || true)

echo
echo "==== check-pristine: make test on a pristine Debian 12 ($suite, default variant) ===="
echo "commit:   $commit"
echo "make:     apt-get install make: $t_make s"
echo "make test: exit $rc in $t_test s: $phases"
echo "installed by deps.sh: ${installed:-nothing}"
[ -z "$node_lines" ] || printf '%s\n' "$node_lines" | sed 's/^/          /'
printf '%s\n' "$tools" | sed 's/^/ran:      /'
printf '%s\n' "$suites" | sed 's/^/ctest:    /'
[ -z "$skipped" ] || echo "skipped:  $skipped"
[ -z "$failed" ] || printf '%s\n' "$failed" | sed 's/^/FAILED:   /'
echo "time: $(($(date +%s) - t_start)) s; logs: $run/logs"
if [ "$rc" = 0 ]; then
    if [ "$keep" = 0 ]; then
        chroot_umount "$root"
        umount_under "$run/sys"
        safe_rm "$run/sys"
    fi
    echo "RESULT: PASS"
    exit 0
fi
echo "last lines of the log:"
tail -n 40 "$log" | sed 's/^[0-9]* /  /'
echo "RESULT: FAIL (the root is kept: $root; chroot into it after mounting what chroot_mount does)"
exit 1
