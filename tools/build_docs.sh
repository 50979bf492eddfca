#!/usr/bin/env bash
# HTML documentation of the collection with antsibull-docs and Sphinx (make docs).
# The toolchain lives in .venv-docs, installed from the exact pins in docs/requirements-docs.txt
# (about 30 s the first time, reinstalled when that file changes). The collection is documented
# from a copy of the working tree; the site is written to build/docs/html (index.html).
# Fails on any antsibull-docs lint finding or Sphinx warning. About 15 s when installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
REQUIREMENTS="${ROOT}/docs/requirements-docs.txt"
DOCS_VENV="${ROOT}/.venv-docs"
OUTPUT="${ROOT}/build/docs"
WORK="$(mktemp -d)"
trap 'rm -rf "${WORK}"' EXIT

stamp="${DOCS_VENV}/.installed-$(cksum "${REQUIREMENTS}" | cut -d' ' -f1)"
if [[ ! -f "${stamp}" ]]; then
    "${PYTHON}" -m venv --clear "${DOCS_VENV}"
    "${DOCS_VENV}/bin/pip" install --quiet --disable-pip-version-check -r "${REQUIREMENTS}"
    touch "${stamp}"
fi
# antsibull-docs runs ansible-doc and ansible-galaxy by name.
export PATH="${DOCS_VENV}/bin:${PATH}"

"${DOCS_VENV}/bin/python" "${ROOT}/tools/collection_tree.py" "${WORK}/collections" >/dev/null
export ANSIBLE_COLLECTIONS_PATH="${WORK}/collections"
(cd "${WORK}/collections/ansible_collections/m365/licensing" && antsibull-docs lint-collection-docs --plugin-docs .)

rm -rf "${OUTPUT}"
mkdir -p "${OUTPUT}"
antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error --dest-dir "${OUTPUT}" \
    --project m365.licensing --copyright 'm365.licensing contributors' \
    --title 'm365.licensing: Microsoft Teams licences through Microsoft Graph' --html-short-title m365.licensing \
    m365.licensing > "${WORK}/sphinx-init.log" || { cat "${WORK}/sphinx-init.log" >&2; exit 1; }
# The generated conf.py maps Python, Jinja and Ansible inventories from the internet for
# cross-references; none is used here, and offline each would be a warning (an error with -W).
echo 'intersphinx_mapping = {}' >> "${OUTPUT}/conf.py"
mkdir -p "${OUTPUT}/rst"
chmod og-w "${OUTPUT}/rst"
antsibull-docs --config-file "${OUTPUT}/antsibull-docs.cfg" collection --cleanup everything --fail-on-error \
    --use-current --squash-hierarchy --dest-dir "${OUTPUT}/rst" m365.licensing >/dev/null
# Generated pages point at two labels of the Ansible docsite; offline they resolve to this page.
cat > "${OUTPUT}/rst/ansible_docsite.rst" <<'RST'
:orphan:

.. _ansible_configuration_settings:

Ansible configuration settings
==============================

See `Ansible Configuration Settings <https://docs.ansible.com/ansible/latest/reference_appendices/config.html>`_.

.. _common_return_values:

Return values common to all modules
===================================

See `Return Values <https://docs.ansible.com/ansible/latest/reference_appendices/common_return_values.html>`_.
RST
sphinx-build -q -W --keep-going -b html -c "${OUTPUT}" "${OUTPUT}/rst" "${OUTPUT}/html"
echo "docs: HTML documentation in ${OUTPUT#"${ROOT}"/}/html/index.html"
