#!/usr/bin/env bash
# ansible-test sanity on the oldest (2.16) and the newest (2.19) supported ansible-core
# (make sanity-matrix). Usage: sanity_matrix.sh COLLECTIONS_DIR, the directory holding
# ansible_collections/m365/licensing (a copy outside the git checkout; make tree writes it).
#
# ansible-core 2.16 lives in its own virtualenv, .venv-2.16, created on first use (about 15 s);
# 2.19 is the one in .venv. A first run builds ansible-test's per-test virtualenvs for each
# version (about 45 s each); later runs take about 10 s per version.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OLDEST_CORE=2.16.19
OLDEST_VENV="${ROOT}/.venv-2.16"
NEWEST_VENV="${ROOT}/.venv"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
CACHE="${HOME}/.ansible/test/cache"

fail() {
    echo "sanity-matrix: $*" >&2
    exit 1
}

[[ $# -eq 1 ]] || fail "usage: $0 COLLECTIONS_DIR"
TREE="$(cd "$1" && pwd)/ansible_collections/m365/licensing"
[[ -f "${TREE}/galaxy.yml" ]] || fail "no collection at ${TREE} (run make tree first)"

# Ignore files must stay empty, or give a reason on every line ("path test:code  # why").
shopt -s nullglob
for ignore in "${ROOT}"/tests/sanity/ignore-*.txt; do
    if grep -Ev '^[[:space:]]*$' "${ignore}" | grep -Ev '[[:space:]]#[[:space:]]*[^[:space:]]' >&2; then
        fail "${ignore#"${ROOT}"/}: every ignore line needs a justification after ' # '"
    fi
done
shopt -u nullglob

stamp="${OLDEST_VENV}/.installed-ansible-core-${OLDEST_CORE}"
if [[ ! -f "${stamp}" ]]; then
    "${PYTHON}" -m venv --clear "${OLDEST_VENV}"
    "${OLDEST_VENV}/bin/pip" install --quiet --disable-pip-version-check "ansible-core==${OLDEST_CORE}"
    touch "${stamp}"
fi

# ansible-test cannot download its get-pip bootstrap here; it uses a cached copy named after the
# pip version it wants (2.16: 23.1.2, 2.19: 24.2). See docs/development.md.
mkdir -p "${CACHE}"
for version in 23_1_2 24_2; do
    cp "${ROOT}/tools/get_pip_offline.py" "${CACHE}/get_pip_${version}.py"
done

# Both versions run even when the first fails, so one run shows every finding.
cd "${TREE}"
failed=()
for venv in "${OLDEST_VENV}" "${NEWEST_VENV}"; do
    core="$("${venv}/bin/python" -c 'from ansible.release import __version__; print(__version__)')"
    python_version="$("${venv}/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    echo "== ansible-test sanity, ansible-core ${core}"
    start=${SECONDS}
    if "${venv}/bin/ansible-test" sanity --python "${python_version}" --color no; then
        echo "== ansible-core ${core}: passed in $((SECONDS - start)) s"
    else
        echo "== ansible-core ${core}: FAILED after $((SECONDS - start)) s"
        failed+=("${core}")
    fi
done
[[ ${#failed[@]} -eq 0 ]] || fail "ansible-test sanity failed on ansible-core ${failed[*]}"
