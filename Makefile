# m365.licensing: developer and CI entry points.
#   make demo   - venv, emulator with the sample tenant, the main playbook against it
#   make test   - sanity, lint, docs lint, unit, emulator contract and integration tests
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements-dev.txt | cut -d' ' -f1)
TMP := $(ROOT)/.tmp
# ansible-test lists files with git when the tree is inside a checkout, and .tmp is ignored:
# the copy for sanity and lint lives outside the repository, one per checkout.
COLLECTIONS := $(or $(TMPDIR),/tmp)/m365-licensing-$(shell printf '%s' '$(ROOT)' | cksum | cut -d' ' -f1)/collections
TREE := $(COLLECTIONS)/ansible_collections/m365/licensing
PYTEST := $(BIN)/pytest -p no:cacheprovider
ANSIBLE_TEST_CACHE := $(HOME)/.ansible/test/cache
# ansible-test names its cached get-pip script after the pip version it wants (2.19: 24.2, 2.16: 23.1.2).
GET_PIP_VERSIONS := 24_2 23_1_2

export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
# antsibull-docs and ansible-lint call ansible tools by name.
export PATH := $(BIN):$(PATH)

.PHONY: help venv tree sanity sanity-matrix lint docs-lint docs changelog-lint catalog-check unit emulator-tests integration \
	reliability galaxy-check ee-check test demo bench soak clean browser

help:
	@echo "make demo    run the main playbook against the local Graph emulator"
	@echo "make test    sanity, lint, unit, emulator and integration tests"

venv: $(STAMP)

$(STAMP): requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 is required (python3.11 or python3 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

tree: venv
	@$(BIN)/python tools/collection_tree.py $(COLLECTIONS) >/dev/null

sanity: tree
	@mkdir -p $(ANSIBLE_TEST_CACHE)
	@for version in $(GET_PIP_VERSIONS); do cp tools/get_pip_offline.py $(ANSIBLE_TEST_CACHE)/get_pip_$$version.py; done
	cd $(TREE) && $(BIN)/ansible-test sanity --python 3.11 --color no

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

# ansible-test sanity on the oldest and the newest supported ansible-core.
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

test: venv catalog-check changelog-lint sanity lint docs-lint galaxy-check ee-check unit emulator-tests integration reliability
	@echo "make test: all gates passed"

demo: venv
	$(BIN)/python tools/demo.py

clean:
	rm -rf $(TMP) $(dir $(COLLECTIONS)) tests/output .ansible
