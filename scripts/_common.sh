# Shared helpers for scripts/run.sh, scripts/test.sh and .ci/run (sourced, not executed).
# Keeps the venv in .venv and reinstalls requirements only when requirements.txt changes.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$REPO_ROOT/.venv}"
PY="$VENV/bin/python"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

# apt_install PKG... : install Debian packages that are missing, when we are root and apt exists.
# Returns non-zero (without failing the caller) when installing is not possible.
apt_install() {
    local missing=()
    local pkg
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        say "missing packages ${missing[*]} (not root or no apt-get: skipping install)"
        return 1
    fi
    say "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/portal-apt.log 2>&1; then
        apt-get update -q >/tmp/portal-apt-update.log 2>&1 || true
        apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/portal-apt.log 2>&1 || {
            tail -20 /tmp/portal-apt.log >&2
            return 1
        }
    fi
}

pick_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# ensure_venv: create .venv if missing and install requirements.txt when it changed.
ensure_venv() {
    if [ ! -x "$PY" ]; then
        local base
        base="$(pick_python)" || die "需要 Python 3.11 或更高版本 (python3.11 not found)"
        say "creating virtualenv $VENV with $base"
        if ! "$base" -m venv "$VENV" 2>/dev/null; then
            rm -rf "$VENV"
            apt_install python3-venv python3.11-venv || die "python3 -m venv failed; install python3-venv"
            "$base" -m venv "$VENV"
        fi
        "$PY" -m pip install -q --upgrade pip
    fi
    local stamp="$VENV/.requirements.sha256"
    local want
    want="$(sha256sum "$REPO_ROOT/requirements.txt" | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        say "pip install -r requirements.txt (torch is pinned to the CPU wheel before sentence-transformers)"
        # (Hide pip's notes about configured-but-absent local indexes; real errors still show.)
        "$PY" -m pip install -q --disable-pip-version-check -r "$REPO_ROOT/requirements.txt" \
            2> >(grep -v '^WARNING: Location .* is ignored' >&2)
        echo "$want" >"$stamp"
    fi
}
