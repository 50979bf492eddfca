# m365.licensing: developer and CI entry points.
#   make demo      - a small venv (ansible-core, runtime and emulator libraries), emulator with the
#                    sample tenant, the main playbook against it
#   make test      - the whole toolchain, then sanity, lint, docs lint, unit, emulator contract and
#                    integration tests on the newest ansible-core the machine's Pythons allow
#   make emulator  - the emulator in the foreground, with the settings to point a playbook at it
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# tools/venv.sh picks the Python (3.13 or 3.12 for ansible-core 2.21, else 3.11 for 2.19); PYTHON=... overrides.
ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
BIN := $(VENV)/bin
TMP := $(ROOT)/.tmp
# ansible-test lists files with git when the tree is inside a checkout, and .tmp is ignored:
# the copy for sanity and lint lives outside the repository, one per checkout.
COLLECTIONS := $(or $(TMPDIR),/tmp)/m365-licensing-$(shell printf '%s' '$(ROOT)' | cksum | cut -d' ' -f1)/collections
TREE := $(COLLECTIONS)/ansible_collections/m365/licensing
PYTEST := $(BIN)/pytest -p no:cacheprovider
ANSIBLE_TEST_CACHE := $(HOME)/.ansible/test/cache
# ansible-test names its cached get-pip script after the pip version it wants
# (2.16: 23.1.2, 2.19: 24.2, 2.20-2.22: 25.2).
GET_PIP_VERSIONS := 23_1_2 24_2 25_2
# The venv's Python version, for ansible-test --python (evaluated when a recipe runs, after venv.sh).
VENV_PYTHON_VERSION = $$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
# antsibull-docs and ansible-lint call ansible tools by name.
export PATH := $(BIN):$(PATH)

.PHONY: help venv venv-demo versions emulator tree sanity sanity-matrix lint docs-lint docs changelog-lint catalog-check unit emulator-tests integration \
	reliability galaxy-check ee-check test demo bench soak clean browser

help:
	@echo "make demo    run the main playbook against the local Graph emulator"
	@echo "make test    sanity, lint, unit, emulator and integration tests"
	@echo "make emulator  the Graph emulator in the foreground, to point your own playbooks at"

# The whole toolchain (make test and every gate).
venv:
	@bash tools/venv.sh dev

# Only what the demo and the emulator need.
venv-demo:
	@bash tools/venv.sh demo

# Which ansible-core and Python the gates run on.
versions: venv
	@echo "ansible-core $$($(BIN)/python -c 'from ansible.release import __version__; print(__version__)')" \
	  "on Python $$($(BIN)/python -c 'import platform; print(platform.python_version())') ($$(readlink -f $(BIN)/python))"

tree: venv
	@$(BIN)/python tools/collection_tree.py $(COLLECTIONS) >/dev/null

sanity: tree
	@mkdir -p $(ANSIBLE_TEST_CACHE)
	@for version in $(GET_PIP_VERSIONS); do cp tools/get_pip_offline.py $(ANSIBLE_TEST_CACHE)/get_pip_$$version.py; done
	cd $(TREE) && $(BIN)/ansible-test sanity --python $(VENV_PYTHON_VERSION) --color no

lint: tree
	cd $(TREE) && $(BIN)/ansible-lint --offline --profile production

docs-lint: tree
	cd $(TREE) && $(BIN)/antsibull-docs lint-collection-docs --plugin-docs .
	cd $(TREE) && for module in plugins/modules/*.py; do \
	  name=$$(basename $$module .py); $(BIN)/ansible-doc -t module m365.licensing.$$name >/dev/null; done

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

catalog-check: venv
	$(BIN)/python tools/generate_sku_catalog.py --check

unit: venv
	$(PYTEST) tests/unit -q

emulator-tests: venv
	$(PYTEST) tests/emulator -q

integration: tree browser
	$(PYTEST) tests/integration -q

# Headless Chromium (Debian's chromium) for the HTML report test; where it cannot be installed the test is skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
	  || echo "chromium could not be installed: the HTML report browser test will be skipped"

# Fast reliability and security checks (make test); the full soak is `make soak`.
reliability: tree
	$(PYTEST) tests/reliability -q -m "not soak"

soak: tree
	$(PYTEST) tests/reliability -q -m soak

# Speed, side by side with the peers; writes bench/results.md (not part of make test).
bench: tree
	$(BIN)/python bench/run.py

# ansible-test sanity on every supported ansible-core (2.16, 2.19, 2.20, 2.21) and the 2.22 release candidate.
sanity-matrix: tree
	bash tools/sanity_matrix.sh $(COLLECTIONS)

# Build the collection tarball and run galaxy-importer on it.
galaxy-check: venv
	bash tools/galaxy_check.sh

# ansible-builder introspect and create for the execution environment.
ee-check: venv
	bash tools/ee_check.sh

# HTML documentation of the collection with antsibull-docs.
docs: venv
	bash tools/build_docs.sh

test: versions catalog-check changelog-lint sanity lint docs-lint galaxy-check ee-check unit emulator-tests integration reliability
	@echo "make test: all gates passed"
	@$(MAKE) --no-print-directory versions

demo: venv-demo
	$(BIN)/python tools/demo.py

# The emulator with the sample tenant in the foreground (Ctrl-C stops it); prints the vars to use.
# TENANT=contoso|PATH, PORT=8443 (0 picks a free port), VARS_FILE=emulator-vars.yml,
# ARGS="--generate-users 5000 ..." (more emulator options, tests/graph_emulator/README.md).
emulator: venv-demo
	@$(BIN)/python tools/emulator.py --tenant $(or $(TENANT),contoso) --port $(or $(PORT),8443) \
	  --vars-file $(or $(VARS_FILE),$(ROOT)/emulator-vars.yml) $(if $(ARGS),-- $(ARGS))

clean:
	rm -rf $(TMP) $(dir $(COLLECTIONS)) tests/output .ansible
