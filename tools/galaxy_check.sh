#!/usr/bin/env bash
# Galaxy readiness (make galaxy-check, about 10 s):
# 1. ansible-galaxy collection build into a temporary directory;
# 2. the tarball holds no virtualenv, cache, test output, benchmark artefact, .tmp or tools/data;
# 3. galaxy-importer (the code Galaxy and Automation Hub run on upload) accepts it: no error, every
#    module documented. ansible-test is off (RUN_ANSIBLE_TEST needs a container engine; make sanity
#    runs it). importer_result.json is written to the temporary directory, never into the repository.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ROOT}/.venv/bin"
WORK="$(mktemp -d)"
trap 'rm -rf "${WORK}"' EXIT
# galaxy-importer calls ansible-doc and ansible-lint by name.
export PATH="${BIN}:${PATH}"

fail() {
    echo "galaxy-check: $*" >&2
    exit 1
}

cd "${ROOT}"
ansible-galaxy collection build --output-path "${WORK}" . >/dev/null
tarballs=("${WORK}"/m365-licensing-*.tar.gz)
[[ -f "${tarballs[0]}" ]] || fail "ansible-galaxy collection build wrote no tarball"
tarball="${tarballs[0]}"

# Paths inside the tarball that are development artefacts, never content.
forbidden='^(\.venv[^/]*|\.tmp|\.ansible|\.git|\.ci|bench|build|tools|htmlcov|tests/output)(/|$)'
forbidden+='|(^|/)(__pycache__|\.pytest_cache|\.hypothesis|\.mypy_cache|\.ruff_cache|\.tox)(/|$)'
forbidden+='|\.py[co]$|(^|/)\.coverage|(^|/)importer_result\.json$|\.tar\.gz$|(^|/)changelogs/\.plugin-cache\.yaml$'
tar -tzf "${tarball}" | sed 's|^\./||' > "${WORK}/contents.txt"
if grep -E "${forbidden}" "${WORK}/contents.txt" > "${WORK}/unwanted.txt"; then
    fail "$(basename "${tarball}") contains development files (add them to build_ignore in galaxy.yml):
$(head -20 "${WORK}/unwanted.txt")"
fi
echo "galaxy-check: $(basename "${tarball}"): $(wc -l < "${WORK}/contents.txt") entries, $(du -k "${tarball}" | cut -f1) KiB, no development files"

cat > "${WORK}/galaxy-importer.cfg" <<'CFG'
[galaxy-importer]
LOG_LEVEL_MAIN = INFO
RUN_ANSIBLE_TEST = False
RUN_ANSIBLE_DOC = True
RUN_ANSIBLE_LINT = True
RUN_FLAKE8 = True
CHECK_REQUIRED_TAGS = True
REQUIRE_V1_OR_GREATER = True
CFG
status=0
(cd "${WORK}" && GALAXY_IMPORTER_CONFIG="${WORK}/galaxy-importer.cfg" python -m galaxy_importer.main "${tarball}") \
    > "${WORK}/importer.log" 2>&1 || status=$?
grep -E '^(WARNING|ERROR)' "${WORK}/importer.log" || true
if [[ ${status} -ne 0 ]] || grep -q '^ERROR' "${WORK}/importer.log" || [[ ! -s "${WORK}/importer_result.json" ]]; then
    cat "${WORK}/importer.log" >&2
    fail "galaxy-importer rejected the collection (exit status ${status})"
fi

# Every module must reach Galaxy with its documentation (ansible-doc ran inside the importer).
python - "${WORK}/importer_result.json" "${ROOT}/plugins/modules" <<'PY'
import json
import os
import sys

result_path, modules_dir = sys.argv[1:3]
with open(result_path) as stream:
    result = json.load(stream)
modules = sorted(name[:-3] for name in os.listdir(modules_dir) if name.endswith('.py') and not name.startswith('_'))
documented = sorted(entry['content_name'] for entry in result['docs_blob']['contents']
                    if entry['content_type'] == 'module' and entry.get('doc_strings'))
if documented != modules:
    sys.exit('galaxy-check: modules without documentation in the import: %s' % sorted(set(modules) - set(documented)))
if not result.get('requires_ansible'):
    sys.exit('galaxy-check: the import has no requires_ansible (meta/runtime.yml)')
print('galaxy-check: galaxy-importer accepted the collection; documented modules: %s; requires_ansible %s'
      % (', '.join(documented), result['requires_ansible']))
PY
