#!/usr/bin/env bash
# Execution environment checks without a container engine (make ee-check, about 2 s):
# 1. ansible-builder introspect finds msal and requests, as floors, in the installed collection
#    (meta/execution-environment.yml -> requirements.txt);
# 2. the example execution-environment.yml targets current ansible-core (it admits the newest core
#    the collection is tested on, and no cap below 2.20) on a Python that core runs on (3.12+);
# 3. ansible-builder create turns it into a build context.
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

# The definition's ansible-core requirement and interpreter, read as pip and the image would read them.
"${BIN}/python" - <<'PYTHON' || fail "execution-environment.yml does not target current ansible-core on Python 3.12+"
import sys
import yaml
from packaging.requirements import Requirement

with open('execution-environment.yml', encoding='utf-8') as handle:
    definition = yaml.safe_load(handle)
dependencies = definition['dependencies']
core = Requirement(dependencies['ansible_core']['package_pip'])
problems = []
# The newest release the collection is tested on (make sanity-matrix) and the first 2.20.
for version in ('2.20.0', '2.21.5'):
    if not core.specifier.contains(version, prereleases=True):
        problems.append('ansible_core %s excludes ansible-core %s' % (core, version))
interpreter = dependencies.get('python_interpreter') or {}
image = definition['images']['base_image']['name']
# ansible-core 2.20+ needs Python 3.12+ on the controller; stream10's python3 is 3.12.
if interpreter.get('python_path') == '/usr/bin/python3':
    if not image.endswith(('centos:stream10', 'ubi10', 'ubi10:latest')) and 'rhel10' not in image:
        problems.append('python3 of %s is not known to be 3.12 or newer' % image)
elif not any(interpreter.get('python_path', '').endswith(name) for name in ('python3.12', 'python3.13', 'python3.14')):
    problems.append('python_interpreter %s is older than 3.12' % interpreter.get('python_path'))
for problem in problems:
    print('ee-check: ' + problem, file=sys.stderr)
print('ee-check: %s on %s, %s' % (core, image, interpreter.get('python_path')))
sys.exit(1 if problems else 0)
PYTHON

"${BIN}/ansible-builder" create --file execution-environment.yml --context "${WORK}/context" --output-filename Containerfile
test -s "${WORK}/context/Containerfile" || fail "ansible-builder create wrote no Containerfile"
grep -q 'm365.licensing' "${WORK}/context/_build/requirements.yml" \
    || fail "the build context does not install m365.licensing (_build/requirements.yml)"
grep -q 'quay.io/centos/centos:stream10' "${WORK}/context/Containerfile" \
    || fail "the Containerfile does not start from the definition's base image"
echo "ee-check: introspect lists msal and requests; create wrote a build context for current ansible-core"
