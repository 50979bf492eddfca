#!/usr/bin/env bash
# Execution environment checks without a container engine (make ee-check, about 2 s):
# 1. ansible-builder introspect finds msal and requests, as floors, in the installed collection
#    (meta/execution-environment.yml -> requirements.txt);
# 2. ansible-builder create turns the example execution-environment.yml into a build context.
# Everything is written to a temporary directory that is removed afterwards.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ROOT}/.venv/bin"
WORK="$(mktemp -d)"
trap 'rm -rf "${WORK}"' EXIT
cd "${ROOT}"

fail() {
    echo "ee-check: $*" >&2
    exit 1
}

ANSIBLE_COLLECTIONS_PATH="${WORK}/collections" "${BIN}/ansible-galaxy" collection install --force -p "${WORK}/collections" . >/dev/null

"${BIN}/ansible-builder" introspect "${WORK}/collections" --write-pip "${WORK}/pip.txt" --write-bindep "${WORK}/bindep.txt" \
    > "${WORK}/introspect.txt"
cat "${WORK}/introspect.txt"
for package in msal requests; do
    grep -Eq "^${package}[<>=!~ ].*# from collection m365\.licensing" "${WORK}/pip.txt" \
        || fail "ansible-builder introspect does not list ${package} for m365.licensing"
done
# Exact pins in a collection's requirements break execution environments that combine collections.
if grep -Eq '^[^#]*==' "${WORK}/pip.txt"; then
    fail "the collection pins exact versions for execution environments; use floors (>=): $(grep -E '^[^#]*==' "${WORK}/pip.txt")"
fi

"${BIN}/ansible-builder" create --file execution-environment.yml --context "${WORK}/context" --output-filename Containerfile
test -s "${WORK}/context/Containerfile" || fail "ansible-builder create wrote no Containerfile"
grep -q 'm365.licensing' "${WORK}/context/_build/requirements.yml" \
    || fail "the build context does not install m365.licensing (_build/requirements.yml)"
echo "ee-check: introspect lists msal and requests; create wrote a build context"
