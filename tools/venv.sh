#!/usr/bin/env bash
# Create or update .venv for `make demo` (LEVEL demo: ansible-core, runtime and emulator libraries)
# or for everything else (LEVEL dev: adds the test and lint toolchain). Usage: venv.sh demo|dev
#
# The venv runs on the newest Python that carries the newest ansible-core: 2.21 needs Python 3.12+,
# so Python 3.13 or 3.12 (tools/find_python.sh), else 3.11 with ansible-core 2.19 and a notice
# saying how to get a newer Python. PYTHON=/path/to/python overrides the choice.
# A venv made with another Python minor version is rebuilt; a stamp per requirements content makes
# a repeated call a no-op (about 50 ms).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ROOT}/.venv"
LEVEL="${1:?usage: venv.sh demo|dev}"
case "${LEVEL}" in
    demo) files=(requirements-demo.txt) ;;
    dev) files=(requirements-demo.txt requirements-dev.txt) ;;
    *) echo "venv.sh: unknown level ${LEVEL} (demo or dev)" >&2; exit 2 ;;
esac

python_version() {
    "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])'
}

choose_python() {
    if [[ -n "${PYTHON:-}" ]]; then
        echo "${PYTHON}"
    elif ! bash "${ROOT}/tools/find_python.sh" 3.13 3.12; then
        bash "${ROOT}/tools/find_python.sh" 3.11 || return 1
    fi
}

python="$(choose_python)" || {
    echo "venv.sh: no Python 3.11, 3.12 or 3.13 found (looked in \$(pyenv root)/versions and on PATH)." >&2
    echo "  Install one, e.g. 'pyenv install 3.12' or 'apt-get install python3.12-venv', or pass PYTHON=/path/to/python3." >&2
    exit 1
}
version="$(python_version "${python}")"
if [[ "${version}" == "3.11" ]]; then
    cat >&2 <<NOTICE
NOTICE: no Python 3.12 or newer found, so tests run on ansible-core 2.19 (Python ${version}), not on
  ansible-core 2.21, the release users install today (it needs Python 3.12 or newer on the controller).
  To test on 2.21: 'pyenv install 3.12' (or 'apt-get install python3.12-venv'), then run make again:
  the venv is rebuilt on the newer Python by itself. Everything else runs as usual.
NOTICE
fi

checksum="$(cd "${ROOT}" && cat "${files[@]}" | cksum | cut -d' ' -f1)"
stamp="${VENV}/.installed-${LEVEL}-py${version}-${checksum}"
[[ -f "${stamp}" ]] && exit 0
# The dev toolchain includes the demo's requirements: a current dev stamp satisfies demo too.
if [[ "${LEVEL}" == demo ]]; then
    dev_checksum="$(cd "${ROOT}" && cat requirements-demo.txt requirements-dev.txt | cksum | cut -d' ' -f1)"
    [[ -f "${VENV}/.installed-dev-py${version}-${dev_checksum}" ]] && exit 0
fi

if [[ ! -x "${VENV}/bin/python" ]] || [[ "$(python_version "${VENV}/bin/python" 2>/dev/null)" != "${version}" ]]; then
    echo "venv.sh: creating .venv with Python ${version} (${python})"
    "${python}" -m venv --clear "${VENV}"
fi
echo "venv.sh: installing ${files[*]} into .venv"
"${VENV}/bin/pip" install --quiet --disable-pip-version-check -r "${ROOT}/${files[-1]}"
rm -f "${VENV}"/.installed-*
touch "${stamp}"
