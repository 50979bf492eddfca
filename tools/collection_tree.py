# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Copy the working tree into DEST/ansible_collections/m365/licensing for ansible-test and ansible-lint.

ansible-test only runs from a directory shaped ansible_collections/<namespace>/<name>/ and
rejects a symlink, so the Makefile copies the files git knows about (tracked, plus untracked
ones that are not ignored) as they are in the working tree. Copying takes well under a second.
"""

import os
import shutil
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Microsoft's licensing CSV is kept byte for byte as published (BOM, CRLF; its sha256 is recorded
# in the generated catalogue). It is input to tools/generate_sku_catalog.py, never part of the
# collection (galaxy.yml build_ignore drops tools/), so it stays out of the sanity tree too.
LEFT_OUT = ('tools/data/',)


def working_tree_files():
    listing = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                             cwd=REPO_ROOT, check=True, stdout=subprocess.PIPE).stdout
    names = sorted(set(name for name in listing.decode('utf-8').split('\0') if name))
    # A tracked file deleted in the working tree is still listed by --cached.
    return [name for name in names if os.path.isfile(os.path.join(REPO_ROOT, name)) and not name.startswith(LEFT_OUT)]


def main():
    if len(sys.argv) != 2:
        sys.exit('usage: collection_tree.py DEST')
    collection_dir = os.path.join(os.path.abspath(sys.argv[1]), 'ansible_collections', 'm365', 'licensing')
    if os.path.isdir(collection_dir):
        shutil.rmtree(collection_dir)
    for name in working_tree_files():
        target = os.path.join(collection_dir, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(REPO_ROOT, name), target)
    print(collection_dir)


if __name__ == '__main__':
    main()
