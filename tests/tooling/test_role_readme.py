# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role READMEs cannot drift from the roles' argument specs: tests/tools/role_readme.py --check,
which the lint stage runs, fails when a README misses or invents a variable, or when its example gives
the role a variable it does not have, leaves out a required one or gives one a value it refuses."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / 'tests' / 'tools' / 'role_readme.py'


def run(root, *args):
    return subprocess.run([sys.executable, str(TOOL), *args, str(root)], capture_output=True, text=True, check=False)


@pytest.fixture
def collection(tmp_path):
    """A copy of the collection's roles, whose READMEs the tests may spoil."""
    shutil.copytree(REPO / 'roles', tmp_path / 'roles')
    return tmp_path


def edit(collection, role, old, new):
    readme = collection / 'roles' / role / 'README.md'
    text = readme.read_text()
    assert old in text
    readme.write_text(text.replace(old, new, 1))


def test_every_role_readme_matches_its_argument_spec():
    result = run(REPO, '--check')
    assert result.returncode == 0, result.stdout
    assert sorted(p.parent.name for p in REPO.glob('roles/*/README.md')) == sorted(
        p.parent.parent.name for p in REPO.glob('roles/*/meta/argument_specs.yml'))


def test_a_missing_variable_fails_and_regenerating_restores_it(collection):
    readme = collection / 'roles' / 'ca_trust' / 'README.md'
    lines = readme.read_text().splitlines(keepends=True)
    readme.write_text(''.join(line for line in lines if not line.startswith('| `ca_trust_mode` |')))
    result = run(collection, '--check')
    assert result.returncode == 1
    assert 'roles/ca_trust: README.md misses the variable ca_trust_mode' in result.stdout
    assert run(collection).returncode == 0
    assert run(collection, '--check').returncode == 0


def test_an_invented_variable_fails(collection):
    edit(collection, 'beats', '| `beats_owner` |', '| `beats_colour` | `red` | `str`. Made up. |\n| `beats_owner` |')
    result = run(collection, '--check')
    assert result.returncode == 1
    assert 'roles/beats: README.md lists beats_colour, which meta/argument_specs.yml does not have' in result.stdout


def test_a_changed_description_fails(collection):
    spec = collection / 'roles' / 'ca_trust' / 'meta' / 'argument_specs.yml'
    spec.write_text(spec.read_text().replace('default: "0644"', 'default: "0640"'))
    result = run(collection, '--check')
    assert result.returncode == 1
    assert 'roles/ca_trust: README.md describes the variables otherwise' in result.stdout


def test_a_readme_without_the_table_fails(collection):
    readme = collection / 'roles' / 'logstash' / 'README.md'
    readme.write_text(readme.read_text().split('<!-- variables: generated')[0])
    result = run(collection, '--check')
    assert result.returncode == 1
    assert 'roles/logstash: README.md has no variables table' in result.stdout


@pytest.mark.parametrize('role, old, new, message', [
    ('logstash', '        logstash_es_auth: api_key\n', '        logstash_es_auth: api_key\n        logstash_es_colour: red\n',
     'the example gives logstash_es_colour, which the role does not have'),
    ('logstash', '        logstash_version: 8.19.2\n', '',
     'the example leaves out logstash_version, which the role requires'),
    ('beats', '        beats_es_auth: api_key\n', '        beats_es_auth: token\n',
     'the example: value of beats_es_auth must be one of: basic, api_key, pki, got: token'),
    ('elasticsearch_tls', '        elasticsearch_tls_pki: true\n', '        elasticsearch_tls_pki: [true]\n',
     'elasticsearch_tls_pki'),
])
def test_an_example_the_role_would_refuse_fails(collection, role, old, new, message):
    edit(collection, role, old, new)
    result = run(collection, '--check')
    assert result.returncode == 1
    assert message in result.stdout, result.stdout
