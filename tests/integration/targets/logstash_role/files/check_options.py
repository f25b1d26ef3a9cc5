#!/usr/bin/env python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks the option names of every elasticsearch plugin in pipeline files, and the xpack.* settings of a
logstash.yml, against the collection's allowlist for a Logstash version (the grammar is checked apart).

Usage: check_options.py COLLECTIONS_DIR VERSION FILE...   (files ending in .yml are settings files)
Prints one line per unknown name and exits 1 when there is one.
"""

from __future__ import annotations

import re
import sys

import yaml

sys.path.insert(0, sys.argv[1])
from ansible_collections.esguard.security.plugins.module_utils._logstash_config import (  # noqa: E402
    allowed_plugin_options,
    allowed_settings,
)

TOKENS = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|#[^\n]*|=>|[{}\[\]]|[A-Za-z0-9_@.-]+|\S')
SECTIONS = ('input', 'filter', 'output')


def plugin_options(text):
    """(section, option name) of every attribute of every elasticsearch plugin."""
    tokens = [token for token in TOKENS.findall(text) if not token.startswith('#')]
    stack, found = [], []
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ''
        if token in ('{', '['):
            previous = tokens[index - 1] if index else ''
            if token == '{' and not stack and previous in SECTIONS:
                stack.append(previous)
            elif token == '{' and previous == 'elasticsearch' and (index < 2 or tokens[index - 2] != '=>'):
                stack.append('elasticsearch')
            else:
                stack.append(token)
        elif token in ('}', ']'):
            stack.pop()
        elif stack and stack[-1] == 'elasticsearch' and following == '=>':
            section = next(entry for entry in stack if entry in SECTIONS)
            found.append((section, token.strip('"\'')))
    return found


def main():
    version, unknown = sys.argv[2], []
    for path in sys.argv[3:]:
        with open(path) as handle:
            text = handle.read()
        if path.endswith('.yml'):
            names = [key for key in (yaml.safe_load(text) or {}) if key.startswith('xpack.')]
            unknown += ['%s: Logstash %s has no logstash.yml setting %s' % (path, version, name) for name in names
                        if name not in allowed_settings(version)]
            continue
        unknown += ['%s: Logstash %s has no elasticsearch %s option %s' % (path, version, kind, name)
                    for kind, name in plugin_options(text) if name not in allowed_plugin_options(kind, version)]
    for line in unknown:
        print(line)
    return 1 if unknown else 0


if __name__ == '__main__':
    sys.exit(main())
