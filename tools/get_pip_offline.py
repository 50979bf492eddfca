# -*- coding: utf-8 -*-
# Copyright (c) 2026 m365.licensing contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip bootstrap script that ansible-test downloads.

ansible-test sanity puts pip into each of its per-test virtual environments by running a
get-pip script fetched from a host these machines cannot reach. It first looks for a cached
copy at ~/.ansible/test/cache/get_pip_<version>.py; `make sanity` copies this file there.

Instead of the embedded pip that the real script unpacks, run the pip wheel that the standard
library bundles for ensurepip, with the arguments ansible-test gave. The requested packages
(for example pip==24.2) are then installed from the package index as usual.
"""

import glob
import os
import runpy
import sys

import ensurepip

# The real get-pip script understands these; pip's own "install" does not.
GET_PIP_ONLY_OPTIONS = ('--no-setuptools', '--no-wheel')


def bundled_pip_wheel():
    bundled_dir = os.path.join(os.path.dirname(ensurepip.__file__), '_bundled')
    wheels = sorted(glob.glob(os.path.join(bundled_dir, 'pip-*.whl')))
    if not wheels:
        sys.exit('get_pip_offline: no pip wheel bundled with ensurepip in %s' % bundled_dir)
    return wheels[-1]


def main():
    sys.path.insert(0, bundled_pip_wheel())
    arguments = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    sys.argv = ['pip', 'install', '--ignore-installed'] + arguments
    runpy.run_module('pip', run_name='__main__', alter_sys=True)


if __name__ == '__main__':
    main()
