# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The catalogue of wrong inputs (bad_inputs.yml), in one play: each is refused, naming the problem, before any write."""
import hashlib
import json
import re
import ssl

import yaml

from conftest import HERE, tree_state
from fault_proxy import FaultProxy, certificate, load_issuer

CATALOGUE = yaml.safe_load((HERE / 'bad_inputs.yml').read_text())
CONNECTION_GROUP = 'group/esguard.security.elasticsearch'
SAN_MISMATCH_PORT = 9471
# A looped task fails with "One or more items failed": its failed items' messages say why.
FAILURE_MESSAGE = ("(ansible_failed_result.results | default([]) | selectattr('failed', 'defined') | selectattr('failed')"
                   " | map(attribute='msg') | join('; ')) or ansible_failed_result.msg | default('no message')")


def substitute(value, tokens):
    if isinstance(value, str):
        for token, replacement in tokens.items():
            value = value.replace('{%s}' % token, replacement)
        return value
    if isinstance(value, list):
        return [substitute(item, tokens) for item in value]
    if isinstance(value, dict):
        return dict((substitute(k, tokens), substitute(v, tokens)) for k, v in value.items())
    return value


def case_tasks(number, case, tokens):
    """A block that runs the case and records its failure message (or 'accepted') in the fact outcomes."""
    if 'module' in case:
        action = {'esguard.security.%s' % case['module']: substitute(case['args'], tokens)}
    else:
        variables = dict(CATALOGUE['role_base'][case['role']], **case['vars'])
        action = {'ansible.builtin.include_role': {'name': 'esguard.security.%s' % case['role']},
                  'vars': substitute(variables, tokens)}
    record = "{{ outcomes | combine({'%d': %s}) }}"
    return {'name': 'Case %d: %s' % (number, case['what']),
            'block': [dict(name='Run case %d' % number, **action),
                      {'name': 'Case %d was accepted' % number,
                       'ansible.builtin.set_fact': {'outcomes': record % (number, "'accepted'")}}],
            'rescue': [{'name': 'Record the refusal of case %d' % number,
                        'ansible.builtin.set_fact': {
                            'outcomes': record % (number, FAILURE_MESSAGE)}}]}


def catalogue_play(tokens, results):
    tasks = [case_tasks(number, case, tokens) for number, case in enumerate(CATALOGUE['cases'], 1)]
    tasks.append({'name': 'Keep the outcomes', 'ansible.builtin.copy': {
        'content': '{{ outcomes | to_nice_json }}', 'dest': str(results), 'mode': '0600'}})
    return [{'name': 'Wrong inputs', 'hosts': 'localhost', 'gather_facts': False, 'vars': {'outcomes': {}},
             'module_defaults': {CONNECTION_GROUP: {'hosts': '{{ es_hosts }}', 'login_user': '{{ es_username }}',
                                                    'login_password': '{{ es_password }}',
                                                    'ca_certs': '{{ es_ca_certs }}'}},
             'tasks': tasks}]


def test_every_wrong_input_is_refused_by_name_before_any_write(suite, node, secrets):
    workdir = suite.work / 'bad-inputs'
    workdir.mkdir()
    (workdir / 'dir').mkdir()
    other_ca, _other_key = certificate(workdir, 'other-ca', sans=(), ca=True)
    certificate(workdir, 'expired-ca', sans=(), days=(-30, -1), ca=True)
    certificate(workdir, 'client', *load_issuer(node.ca, node.ca_key), sans=())
    wrong_name_cert, wrong_name_key = certificate(suite.inputs, 'wrong-name', *load_issuer(node.ca, node.ca_key),
                                                  sans=('elsewhere.example',))
    with open(node.ca) as handle:
        node_ca_der = ssl.PEM_cert_to_DER_cert(handle.read())
    tokens = {'workdir': str(workdir), 'node_fingerprint': hashlib.sha256(node_ca_der).hexdigest(),
              'node_url_by_other_name': 'https://127.0.0.1:%d' % SAN_MISMATCH_PORT,
              'other_ca_pem': open(other_ca).read()}
    for case in CATALOGUE['cases']:
        for value in (case.get('args') or case.get('vars')).values():
            if isinstance(value, str) and 'bad-input-Secret' in value:
                secrets.add('a secret of the wrong inputs', value.split('"')[0].split(':')[-1])
    for base in CATALOGUE['role_base'].values():
        for name, value in base.items():
            if 'password' in name:
                secrets.add('a role password of the wrong inputs', value)

    playbook = suite.inputs / 'bad_inputs_play.yml'
    playbook.write_text(yaml.safe_dump(catalogue_play(tokens, suite.transcripts / 'bad-inputs.json'), sort_keys=False))
    files_before = tree_state(workdir)
    writes_before = node.write_count()
    with FaultProxy(SAN_MISMATCH_PORT, node.url, node.ca, wrong_name_cert, wrong_name_key) as proxy:
        rc, output = suite.play(playbook, 'bad-inputs')
    assert rc == 0, output[-3000:]
    outcomes = json.loads((suite.transcripts / 'bad-inputs.json').read_text())

    wrong = {}
    for number, case in enumerate(CATALOGUE['cases'], 1):
        message = outcomes.get(str(number), 'not run')
        if message in ('accepted', 'not run', 'no message') or not re.search(case['expect'], message, re.I):
            wrong[case['what']] = message
    assert wrong == {}, json.dumps(wrong, indent=1)
    assert len(CATALOGUE['cases']) >= 60
    # The host name mismatch was refused by the client: nothing passed the proxy.
    assert proxy.log == []
    assert node.write_count() == writes_before
    assert tree_state(workdir) == files_before
    print('bad inputs tried: %d, all refused before any write' % len(CATALOGUE['cases']))
