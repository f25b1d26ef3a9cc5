# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The variables table of each role's README, generated from the role's meta/argument_specs.yml.

  python tests/tools/role_readme.py [ROOT]
      rewrites the table between the markers in every roles/*/README.md
  python tests/tools/role_readme.py --check [ROOT]
      changes nothing; exits 1, naming each problem, when a README has no table, a table that differs
      from the argument spec (an option missing, invented, or described otherwise), or a YAML example
      that gives the role a variable it does not have, leaves out a required one or gives one a value
      its type or choices refuse

ROOT is the collection's directory (default: the repository this file is in).
"""
import re
import sys
from pathlib import Path

import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

BEGIN = '<!-- variables: generated from meta/argument_specs.yml by tests/tools/role_readme.py -->'
END = '<!-- variables: end -->'
NAMESPACE = 'esguard.security'

# Ansible's documentation markup, as Markdown: C(), V(), O(), RV(), E(), M(), P() become code.
MARKUP = [
    (re.compile(r'\b(?:C|V|O|RV|E)\(([^)]*)\)'), lambda m: '`%s`' % re.sub(r'^[\w.]+#\w+:', '', m.group(1))),
    (re.compile(r'\b(?:M|P)\(([^)]*)\)'), lambda m: '`%s`' % m.group(1).split('#')[0]),
    (re.compile(r'\bI\(([^)]*)\)'), lambda m: '*%s*' % m.group(1)),
    (re.compile(r'\bB\(([^)]*)\)'), lambda m: '**%s**' % m.group(1)),
    (re.compile(r'\bU\(([^)]*)\)'), lambda m: '<%s>' % m.group(1)),
    (re.compile(r'\bL\(([^,)]*),\s*([^)]*)\)'), lambda m: '[%s](%s)' % (m.group(1), m.group(2))),
]


def markdown(text):
    for pattern, replace in MARKUP:
        text = pattern.sub(replace, text)
    return text.replace('|', '\\|').replace('\n', ' ')


def paragraphs(description):
    if isinstance(description, str):
        description = [description]
    return ' '.join(markdown(p) for p in description or [])


def literal(value):
    """A default as the README shows it: YAML flow style on one line."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10 ** 6, sort_keys=False).strip()
    text = text[:-4].strip() if text.endswith('\n...') else text
    if text.endswith('...'):
        text = text[:-3].strip()
    return '`%s`' % text.replace('|', '\\|')


def rows(options, prefix=''):
    for name, spec in options.items():
        kind = spec.get('type', 'str')
        if kind == 'list' and spec.get('elements'):
            kind = 'list of %s' % spec['elements']
        facts = ['`%s`' % kind]
        if spec.get('required'):
            facts.append('required')
        if spec.get('choices'):
            facts.append('one of %s' % ', '.join(literal(choice) for choice in spec['choices']))
        if spec.get('no_log'):
            facts.append('secret (never logged)')
        default = literal(spec['default']) if 'default' in spec else ''
        yield '| `%s%s` | %s | %s. %s |' % (prefix, name, default, ', '.join(facts), paragraphs(spec.get('description')))
        if spec.get('options'):
            yield from rows(spec['options'], '%s%s%s.' % (prefix, name, '[]' if spec.get('type') == 'list' else ''))


def table(argument_specs):
    lines = [BEGIN, '', '| Variable | Default | Description |', '|---|---|---|']
    lines.extend(rows(argument_specs['argument_specs']['main'].get('options', {})))
    return '\n'.join(lines + ['', END])


def block(readme):
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        return None
    return start, end + len(END)


def table_names(text):
    return {m.group(1) for m in re.finditer(r'^\| `([^`]+)` \|', text, re.MULTILINE)}


def spec_names(options, prefix=''):
    names = set()
    for name, spec in options.items():
        names.add(prefix + name)
        if spec.get('options'):
            names |= spec_names(spec['options'], '%s%s%s.' % (prefix, name, '[]' if spec.get('type') == 'list' else ''))
    return names


def examples(readme):
    """Every YAML code block of the README, parsed."""
    for m in re.finditer(r'^```ya?ml\n(.*?)^```', readme, re.MULTILINE | re.DOTALL):
        yield yaml.safe_load(m.group(1))


def role_uses(document, role):
    """The variables each use of the role in a YAML example gives it (play vars, role entry, include vars)."""
    full = '%s.%s' % (NAMESPACE, role)
    for play in document if isinstance(document, list) else []:
        if not isinstance(play, dict):
            continue
        play_vars = play.get('vars') or {}
        for entry in play.get('roles') or []:
            entry = {'role': entry} if isinstance(entry, str) else entry
            if entry.get('role', entry.get('name')) == full:
                given = {k: v for k, v in entry.items() if k not in ('role', 'name', 'vars', 'tags', 'when', 'become')}
                yield dict(play_vars, **given, **(entry.get('vars') or {}))
        for task in play.get('tasks') or []:
            for action in ('ansible.builtin.include_role', 'ansible.builtin.import_role'):
                if isinstance(task, dict) and (task.get(action) or {}).get('name') == full:
                    yield dict(play_vars, **(task.get('vars') or {}))


def templated(value):
    if isinstance(value, str):
        return '{{' in value
    if isinstance(value, dict):
        return any(templated(v) for v in value.values())
    if isinstance(value, list):
        return any(templated(v) for v in value)
    return False


def check_use(role, options, given):
    """Problems of one use of the role in an example: invented or missing variables, refused values."""
    problems = []
    own = re.compile(r'^%s(_|$)' % re.escape(role))
    for name in sorted(given):
        if own.match(name) and not name.startswith('__') and name not in options:
            problems.append('the example gives %s, which the role does not have' % name)
    for name, spec in options.items():
        if spec.get('required') and name not in given:
            problems.append('the example leaves out %s, which the role requires' % name)
    # Types and choices of the values that are not templates (a template is checked when the play runs).
    literal_spec = {n: {k: v for k, v in s.items() if k in ('type', 'elements', 'choices')}
                    for n, s in options.items() if n in given and not templated(given[n])}
    result = ArgumentSpecValidator(literal_spec).validate({n: given[n] for n in literal_spec})
    problems.extend('the example: %s' % message for message in result.error_messages)
    return problems


def problems_of(role_dir):
    readme_path = role_dir / 'README.md'
    role = role_dir.name
    specs = yaml.safe_load((role_dir / 'meta' / 'argument_specs.yml').read_text())
    options = specs['argument_specs']['main'].get('options', {})
    if not readme_path.is_file():
        return ['has no README.md']
    readme = readme_path.read_text()
    where = block(readme)
    if where is None:
        return ['README.md has no variables table between %s and %s' % (BEGIN, END)]
    problems = []
    current = readme[where[0]:where[1]]
    if current != table(specs):
        expected, found = spec_names(options), table_names(current)
        problems.extend('README.md misses the variable %s' % n for n in sorted(expected - found))
        problems.extend('README.md lists %s, which meta/argument_specs.yml does not have' % n for n in sorted(found - expected))
        if expected == found:
            problems.append('README.md describes the variables otherwise than meta/argument_specs.yml')
    uses = [given for document in examples(readme) for given in role_uses(document, role)]
    if not uses:
        problems.append('README.md has no YAML example that uses %s.%s' % (NAMESPACE, role))
    for given in uses:
        problems.extend('README.md: %s' % p for p in check_use(role, options, given))
    return problems


def main(argv):
    check = '--check' in argv
    args = [a for a in argv if a != '--check']
    root = Path(args[0]) if args else Path(__file__).resolve().parents[2]
    failed = False
    for role_dir in sorted(p.parent.parent for p in root.glob('roles/*/meta/argument_specs.yml')):
        if check:
            for problem in problems_of(role_dir):
                print('roles/%s: %s' % (role_dir.name, problem))
                failed = True
            continue
        readme_path = role_dir / 'README.md'
        readme = readme_path.read_text() if readme_path.is_file() else ''
        where = block(readme)
        if where is None:
            print('roles/%s/README.md: no markers, add %s and %s where the table goes' % (role_dir.name, BEGIN, END))
            failed = True
            continue
        specs = yaml.safe_load((role_dir / 'meta' / 'argument_specs.yml').read_text())
        readme_path.write_text(readme[:where[0]] + table(specs) + readme[where[1]:])
    if check and failed:
        print('run tests/tools/role_readme.py to regenerate the tables; fix the examples by hand')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
