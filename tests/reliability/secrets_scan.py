# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Find secrets in files: every occurrence of each needle, in every file under the given paths.

As a command:
  secrets_scan.py [--env VARIABLE]... [--targets DIR] [--secrets FILE]... [--place FILE]... [--key-files DIR]...
                  [--record FILE] PATH...
looks for the values of the environment variables, the literal secrets of the integration targets
under DIR (see target_literals), the secrets listed in the files (lines "what<TAB>secret") and
those of the places of secrets (see place_secrets; a place is not scanned itself; under a
--key-files directory every file that is one private key and nothing else is one), each also in
its base64 form, in every file under the paths (with --api-keys also any API key by its shape); prints each finding (file and line numbers,
without the secret) and exits 1 when there is one. --record writes every secret searched to FILE
(mode 0600, the --secrets form) for a later scan. First the control: the secrets planted in a file
of their own are found there, each in both forms, or it exits 1 too.
"""
import argparse
import base64
import os
import pathlib
import re
import sys
import tempfile

# Values of these keys in the integration targets are secrets the plays use (the key ends with the
# word: logstash_api_key_prefix names keys, it is no secret).
# (update_password takes a policy; & and * start YAML anchors and aliases.)
SECRET_KEY = re.compile(r'^\s*-?\s*(?!update_password)[\w.]*(password|passphrase|api_key|secret):'
                        r'\s*["\']?([^"\'{}\s#&*][^"\'{}\s#]{7,})["\']?\s*$', re.I | re.M)
MAX_FILE_BYTES = 200 * 1024 * 1024
# Any Elasticsearch API key, known or not: id:key (20 and 22 URL-safe base64 characters) or its
# base64 encoded form (58 characters and ==).
API_KEY_SHAPE = re.compile(rb'(?<![\w-])[\w-]{20}:[\w-]{22}(?![\w-])|(?<![\w+/])[\w+/]{58}==(?![\w+/=])')


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


def api_keys(paths):
    """[(file, line number)] for every line of the files under paths that holds an API key's shape."""
    found = []
    for root in paths:
        root = pathlib.Path(root)
        files = [root] if root.is_file() else sorted(p for p in root.rglob('*') if p.is_file() and not p.is_symlink())
        for path in files:
            with open(path, 'rb') as handle:
                found.extend((str(path), number) for number, line in enumerate(handle, 1)
                             if any(is_api_key(match.group()) for match in API_KEY_SHAPE.finditer(line)))
    return found


def is_api_key(text):
    """Whether text (a match of API_KEY_SHAPE) is id:key, or base64 of it."""
    if b':' not in text:
        try:
            text = base64.b64decode(text, validate=True)
        except ValueError:
            return False
    return re.fullmatch(rb'[\w-]{20}:[\w-]{22}', text) is not None


def line_numbers(path, needle):
    """The numbers of the lines of a file that hold needle."""
    with open(path, 'rb') as handle:
        return [number for number, line in enumerate(handle, 1) if needle in line]


def control(secrets):
    """How many of the secrets' needles the scan finds in a file where they are all planted, of how many."""
    searched = needles(secrets)
    with tempfile.TemporaryDirectory() as planted:
        with open(os.path.join(planted, 'planted.txt'), 'wb') as handle:
            handle.write(b'\n'.join(needle for what, needle in searched))
        return len(scan([planted], secrets)), len(searched)


def target_literals(targets):
    """The literal secrets written in the integration targets' files (passwords, passphrases, keys)."""
    found = set()
    for path in pathlib.Path(targets).rglob('*.yml'):
        for match in SECRET_KEY.finditer(path.read_text(errors='replace')):
            found.add(('a secret in %s' % path.relative_to(targets), match.group(2)))
    return sorted(found)


def place_secrets(path):
    """The secrets a file holds: the first body line of each PEM block (a private key's), the value of
    each VARIABLE=value line (an environment file's) or each line of a text file (an API key file's);
    none from a binary file (a keystore, encrypted)."""
    content = pathlib.Path(path).read_bytes()
    name = os.path.basename(path)
    if b'-----BEGIN' in content:
        bodies = re.findall(rb'-----BEGIN [^-]+-----\r?\n(?:[\w-]+:[^\n]*\n)*\r?\n?([A-Za-z0-9+/=]{16,})', content)
        return [('a PEM body in %s' % name, body.decode()) for body in bodies]
    if b'\0' in content:
        return []
    try:
        text = content.decode()
    except UnicodeDecodeError:
        return []
    values = [re.sub(r'^[A-Za-z_][A-Za-z0-9_]*=', '', line.strip()).strip('"\'') for line in text.splitlines()]
    return [('a secret in %s' % name, value) for value in values if len(value) >= 8]


def key_files(root):
    """The files under root that hold one private key and nothing else: places of secrets."""
    key = re.compile(rb'\s*-----BEGIN ([A-Z ]*)PRIVATE KEY-----[^-]+-----END \1PRIVATE KEY-----\s*')
    return [str(path) for path in sorted(pathlib.Path(root).rglob('*'))
            if path.is_file() and not path.is_symlink() and path.stat().st_size < 65536 and key.fullmatch(path.read_bytes())]


def read_secrets(path):
    """(what, secret) for each line "what<TAB>secret" of a file; an empty or missing file has none."""
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as handle:
        return [tuple(line.rstrip('\n').split('\t', 1)) for line in handle if '\t' in line]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--env', action='append', default=[], help='a variable whose value is a secret')
    parser.add_argument('--targets', help='integration targets whose literal secrets are searched too')
    parser.add_argument('--secrets', action='append', default=[], help='a file of "what<TAB>secret" lines')
    parser.add_argument('--place', action='append', default=[], help='a file that is a place of secrets')
    parser.add_argument('--key-files', action='append', default=[],
                        help='a directory whose files that hold one private key and nothing else are places')
    parser.add_argument('--record', help='where to write every secret searched')
    parser.add_argument('--api-keys', action='store_true', help='also look for any API key by its shape')
    parser.add_argument('paths', nargs='+')
    args = parser.parse_args(argv)
    secrets = [(variable, os.environ[variable]) for variable in args.env if os.environ.get(variable)]
    if args.targets:
        secrets.extend(target_literals(args.targets))
    for path in args.secrets:
        secrets.extend(read_secrets(path))
    places = args.place + [path for root in args.key_files for path in key_files(root)]
    for path in places:
        secrets.extend(place_secrets(path))
    if args.record:
        with os.fdopen(os.open(args.record, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w') as handle:
            handle.writelines('%s\t%s\n' % (what, value) for what, value in secrets)
    found, planted = control(secrets)
    print('secrets scan control: %d of %d planted found' % (found, planted))
    findings = scan(args.paths, secrets, exclude=places)
    by_what = {}
    for what, needle in needles(secrets):
        by_what.setdefault(what, []).append(needle)
    for path, what in sorted(set(findings)):
        lines = sorted(set(number for needle in by_what[what] for number in line_numbers(path, needle)))
        print('secret found: %s in %s, lines %s' % (what, path, ' '.join(map(str, lines))))
    print('secrets scan: %d secrets searched in %s, %d found' % (len(secrets), ' '.join(args.paths), len(findings)))
    if args.api_keys:
        shaped = api_keys(args.paths)
        for path, number in shaped:
            print('API key found: in %s, line %d' % (path, number))
        example = b'VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw'
        planted_keys = [is_api_key(match.group()) for text in (example, base64.b64encode(example))
                        for match in API_KEY_SHAPE.finditer(b'x %s y' % text)]
        print('API keys by their shape: control %d of 2 found, %d found' % (sum(planted_keys), len(shaped)))
        findings.extend(shaped)
        found, planted = found + sum(planted_keys), planted + 2
    return 1 if findings or not secrets or found != planted else 0


if __name__ == '__main__':
    sys.exit(main())
