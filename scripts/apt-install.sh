#!/usr/bin/env bash
# Installs Debian packages for the project's tests, the one way every ensure-* script does it:
# only the packages dpkg does not already have; as root only (otherwise it names the command to
# run and fails); waiting for apt's lock, since other jobs may run apt at the same time; and
# refreshing the package lists first only when apt has no candidate for one of them.
#
#   scripts/apt-install.sh WHO PKG...     install what is missing (names may carry :arch)
#   scripts/apt-install.sh WHO --update   refresh the package lists, reporting any error
#
# WHO prefixes the messages (the calling script's name). Exits 1, after apt's own output,
# when the packages cannot be installed.
set -euo pipefail

if [ "$#" -lt 2 ]; then
    echo "usage: $0 WHO PKG... | WHO --update" >&2
    exit 2
fi
who=$1
shift
options=(-y --no-install-recommends -o DPkg::Lock::Timeout=600)

say() { echo "$who: $*" >&2; }

# A list that cannot be fetched (a mirror caught mid-sync) is reported but does not stop
# here: the install that follows says whether it mattered.
update_lists() {
    local log
    log=$(mktemp)
    if ! apt-get update -o DPkg::Lock::Timeout=600 >"$log" 2>&1; then
        say "apt-get update reported errors (the install may still work):"
        grep -E '^(W|E|Err):' -A3 "$log" >&2 || cat "$log" >&2
    fi
    rm -f "$log"
}

if [ "$(id -u)" -ne 0 ]; then
    if [ "$1" = --update ]; then
        say "refreshing the package lists needs root: run apt-get update as root"
    else
        say "missing packages: $*"
        say "install them as root: apt-get install ${options[*]} $*"
    fi
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    say "no apt-get on this system: install $* with its package manager"
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# apt's messages in English whatever the caller's locale: this script reads `Candidate:`.
export LC_ALL=C

if [ "$1" = --update ]; then
    update_lists
    exit 0
fi

# True when dpkg has every package of the arguments installed.
all_installed() {
    local pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$' ||
            return 1
    done
}

missing=()
for pkg in "$@"; do
    all_installed "$pkg" || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

updated=""
for pkg in "${missing[@]}"; do
    # Not piped into grep -q: grep stops at the match, apt-cache dies of SIGPIPE on its next
    # line, and pipefail turns that into "no candidate".
    policy=$(apt-cache policy "$pkg" 2>/dev/null || true)
    if ! grep -q 'Candidate: [^(]' <<<"$policy"; then
        say "apt has no candidate for $pkg: running apt-get update"
        update_lists
        updated=1
        break
    fi
done

say "installing ${missing[*]}"
log=$(mktemp)
status=0
apt-get install "${options[@]}" "${missing[@]}" >"$log" 2>&1 || status=$?
# Old package lists can name versions the mirror no longer has (a -dev package whose library
# was updated since): if the install fails on lists not refreshed yet, refresh them and retry.
if [ "$status" -ne 0 ] && [ -z "$updated" ]; then
    say "apt-get install failed on the current package lists: running apt-get update and retrying"
    update_lists
    status=0
    apt-get install "${options[@]}" "${missing[@]}" >"$log" 2>&1 || status=$?
fi
if [ "$status" -ne 0 ] || ! all_installed "${missing[@]}"; then
    cat "$log" >&2
    rm -f "$log"
    say "ERROR: apt-get install ${missing[*]} failed (apt's output is above)"
    exit 1
fi
tail -n 3 "$log" >&2
rm -f "$log"
