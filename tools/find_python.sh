#!/usr/bin/env bash
# Print the path of a working Python interpreter of one of the given minor versions, in the order
# given, e.g. `find_python.sh 3.13 3.12`. Exit status 1 and no output when none works.
#
# Looks in pyenv's versions directory first (newest patch release first), then PATH. A candidate
# counts only when it runs: pyenv's shims (python3.12 on PATH) exist for every installed version
# but exit 127 unless that version is selected, so a name on PATH proves nothing.
set -uo pipefail

works() {
    local candidate="$1" wanted="$2"
    [[ -x "${candidate}" ]] || return 1
    [[ "$("${candidate}" -c 'import sys, venv; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" == "${wanted}" ]]
}

candidates() {
    local minor="$1" root
    if command -v pyenv >/dev/null 2>&1; then
        root="$(pyenv root 2>/dev/null)"
    else
        root="${PYENV_ROOT:-${HOME}/.pyenv}"
    fi
    # 3.12.10 sorts after 3.12.9 with sort -V.
    ls -d "${root}/versions/${minor}".[0-9]*/bin/python3 2>/dev/null | sort -rV
    command -v "python${minor}" 2>/dev/null
    command -v python3 2>/dev/null
}

for minor in "$@"; do
    while read -r candidate; do
        [[ -n "${candidate}" ]] || continue
        if works "${candidate}" "${minor}"; then
            echo "${candidate}"
            exit 0
        fi
    done < <(candidates "${minor}")
done
exit 1
