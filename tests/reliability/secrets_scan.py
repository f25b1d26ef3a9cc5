# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Find secrets in files: every occurrence of each needle, in every file under the given paths.

As a command: secrets_scan.py [--env VARIABLE]... [--targets DIR] PATH...
looks for the values of the environment variables (and their base64 forms) and the literal secrets
of the integration targets under DIR (see target_literals), prints each finding without the secret
and exits 1 when there is one.
"""
import argparse
import base64
import os
import pathlib
import re
import sys

# Values of these keys in the integration targets are secrets the plays use.
# (update_password takes a policy; & and * start YAML anchors and aliases.)
SECRET_KEY = re.compile(r'^\s*-?\s*(?!update_password)[\w.]*(password|passphrase|api_key|secret)[\w.]*:'
                        r'\s*["\']?([^"\'{}\s#&*][^"\'{}\s#]{7,})["\']?\s*$', re.I | re.M)
MAX_FILE_BYTES = 200 * 1024 * 1024


def needles(secrets):
    """(what, bytes) for each secret and its base64 form (Authorization headers carry that)."""
    found = []
    for what, value in secrets:
        found.append((what, value.encode()))
        found.append((what + ' (base64)', base64.b64encode(value.encode())))
    return found


def scan(paths, secrets, exclude=()):
    """[(file, what)] for every secret found in the files under paths, except the files in exclude."""
    excluded = set(os.path.realpath(p) for p in exclude)
    searched = needles(secrets)
    findings = []
    for root in paths:
        root = pathlib.Path(root)
        files = [root] if root.is_file() else sorted(p for p in root.rglob('*') if p.is_file() and not p.is_symlink())
        for path in files:
            if os.path.realpath(path) in excluded or path.stat().st_size > MAX_FILE_BYTES:
                continue
            content = path.read_bytes()
            findings.extend((str(path), what) for what, needle in searched if needle in content)
    return findings


def target_literals(targets):
    """The literal secrets written in the integration targets' files (passwords, passphrases, keys)."""
    found = set()
    for path in pathlib.Path(targets).rglob('*.yml'):
        for match in SECRET_KEY.finditer(path.read_text(errors='replace')):
            found.add(('a secret in %s' % path.relative_to(targets), match.group(2)))
    return sorted(found)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--env', action='append', default=[], help='a variable whose value is a secret')
    parser.add_argument('--targets', help='integration targets whose literal secrets are searched too')
    parser.add_argument('paths', nargs='+')
    args = parser.parse_args(argv)
    secrets = [(variable, os.environ[variable]) for variable in args.env if os.environ.get(variable)]
    if args.targets:
        secrets.extend(target_literals(args.targets))
    findings = scan(args.paths, secrets)
    for path, what in findings:
        print('secret found: %s in %s' % (what, path))
    print('secrets scan: %d secrets searched in %s, %d found' % (len(secrets), ' '.join(args.paths), len(findings)))
    return 1 if findings else 0


if __name__ == '__main__':
    sys.exit(main())
