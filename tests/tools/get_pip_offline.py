# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline stand-in for the get-pip script that ansible-test downloads.

ansible-test runs ``python get_pip_X_Y.py --disable-pip-version-check pip==X.Y
[--no-setuptools] [--no-wheel]`` to put pip into a fresh virtualenv. The
interpreter's bundled ensurepip does the same without a download; pip then
upgrades itself from the package index.
"""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + args)
