#!/usr/bin/env bash
# ansible-test sanity on every supported ansible-core and the next release candidate
# (make sanity-matrix). Usage: sanity_matrix.sh COLLECTIONS_DIR, the directory holding
# ansible_collections/m365/licensing (a copy outside the git checkout; make tree writes it).
#
# Each core gets its own small virtualenv under .venv-matrix/ (ansible-core only, about 5 s to
# create) on a controller Python that core accepts, found by tools/find_python.sh:
#   2.16: Python 3.10-3.12   2.19: 3.11-3.13   2.20, 2.21: 3.12-3.14   2.22: 3.13-3.15
# A core whose Python is missing is reported as skipped with the reason. A first run builds
# ansible-test's per-test virtualenvs for each core (about 45 s each); later runs about 10 s each.
# The table at the end (core, Python, result) is also written to .venv-matrix/results.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MATRIX_DIR="${ROOT}/.venv-matrix"
CACHE="${HOME}/.ansible/test/cache"

# core version | controller Pythons to try, preferred first | extra ansible-test options | why
MATRIX=(
    "2.16.19|3.11 3.12 3.10|"
    "2.19.14|3.11 3.12 3.13|"
    "2.20.10|3.12 3.13|"
    "2.21.5|3.13 3.12|"
    # 2.22's pylint requirements pin a dependency by a URL outside the package index, which these
    # machines (PyPI only) cannot fetch: ansible-test cannot build that one test's virtualenv.
    # Every other test runs. Drop the skip once 2.22.0 final installs pylint from the index.
    "2.22.0rc1|3.13|--skip-test pylint|pylint skipped: its 2.22 requirements fetch a dependency from a URL outside PyPI"
)

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

# ansible-test cannot download its get-pip bootstrap here; it uses a cached copy named after the
# pip version it wants (2.16: 23.1.2, 2.19: 24.2, 2.20-2.22: 25.2). See docs/development.md.
mkdir -p "${CACHE}"
for version in 23_1_2 24_2 25_2; do
    cp "${ROOT}/tools/get_pip_offline.py" "${CACHE}/get_pip_${version}.py"
done

core_venv() {
    local core="$1" python="$2" venv="${MATRIX_DIR}/$1"
    local stamp="${venv}/.installed-ansible-core-${core}-$(basename "$(dirname "$(dirname "${python}")")")"
    if [[ ! -f "${stamp}" ]]; then
        "${python}" -m venv --clear "${venv}" >&2
        "${venv}/bin/pip" install --quiet --disable-pip-version-check "ansible-core==${core}" >&2
        touch "${stamp}"
    fi
    echo "${venv}"
}

# Every core runs even when one fails, so one run shows every finding.
mkdir -p "${MATRIX_DIR}"
results=("| ansible-core | Python | result |" "|---|---|---|")
failed=()
cd "${TREE}"
for entry in "${MATRIX[@]}"; do
    IFS='|' read -r core pythons options why <<< "${entry}"
    # shellcheck disable=SC2086  # the Python versions are a word list
    if ! python="$(bash "${ROOT}/tools/find_python.sh" ${pythons})"; then
        echo "== ansible-core ${core}: SKIPPED, no Python ${pythons// /, } here (pyenv install ${pythons%% *})"
        results+=("| ${core} | none of ${pythons// /, } | skipped: no suitable Python |")
        continue
    fi
    venv="$(core_venv "${core}" "${python}")"
    python_version="$("${venv}/bin/python" -c 'import platform; print(platform.python_version())')"
    echo "== ansible-test sanity, ansible-core ${core}, Python ${python_version}${why:+ (${why})}"
    start=${SECONDS}
    # shellcheck disable=SC2086  # options is a word list
    if "${venv}/bin/ansible-test" sanity --python "${python_version%.*}" --color no ${options}; then
        result="passed in $((SECONDS - start)) s${why:+; ${why}}"
    else
        result="FAILED after $((SECONDS - start)) s"
        failed+=("${core}")
    fi
    echo "== ansible-core ${core}: ${result}"
    results+=("| ${core} | ${python_version} | ${result} |")
done
printf '%s\n' "${results[@]}" | tee "${MATRIX_DIR}/results.md"
[[ ${#failed[@]} -eq 0 ]] || fail "ansible-test sanity failed on ansible-core ${failed[*]}"
