# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The README's quick start, taken from the README itself, and what the check needs around it.

  quickstart.py extract README DIR    write the quick start's files to DIR: the files named by
                                      the README (inventory.ini, quickstart.yml), environment.names
                                      (the variables the README exports) and command (its command line)
  quickstart.py ee-definition RST OUT write the execution environment definition the guide RST shows to OUT
  quickstart.py rollover-playbooks RST DIR ROOT
                                      write the CA rollover guide's tasks to DIR as step12.yml and step3.yml,
                                      with the controller's /etc/esguard and each host's /etc moved under ROOT
  quickstart.py tarball-problems TAR  list the tarball's files that must not be there, and the ones missing
  quickstart.py seqnos DOC_ID...      sum of the _seq_no of these .security documents (any write raises it)
  quickstart.py cleanup USER ROLE     invalidate USER's API keys, delete USER and ROLE

The commands that talk to Elasticsearch read ESGUARD_ES_URL, ESGUARD_ES_USERNAME,
ESGUARD_ES_PASSWORD and ESGUARD_ES_CA (tests/es/node env).
"""

from __future__ import annotations

import base64
import fnmatch
import json
import os
import re
import shlex
import ssl
import sys
import tarfile
import urllib.error
import urllib.request

# A README block belongs to the quick start when the line before its fence is this marker.
MARKER = re.compile(r'^<!-- quick-start: (?P<name>[\w.-]+) -->\n```[\w-]*\n(?P<body>.*?)^```$', re.M | re.S)
BLOCKS = ('environment', 'inventory.ini', 'quickstart.yml', 'command')

# Caches, test outputs and test-only tooling: none of it belongs in the built collection.
FORBIDDEN = ('*__pycache__*', '*.pyc', '*.pyo', '*.pytest_cache*', '.cache*', '*/.cache*', '*.mypy_cache*',
             '.ci', '.ci/*', '.git', '.git/*', '*.tar.gz', 'requirements-dev.txt',
             'changelogs/.plugin-cache.yaml', 'tests/integration/integration_config.yml',
             'tests/output*', 'tests/es*', 'tests/containers*', 'tests/shippers*', 'tests/clients*',
             'tests/requirements*', 'tests/bench*', 'tests/packaging*',
             'tests/tools*', 'tests/run', 'tests/bootstrap', 'tests/demo')
REQUIRED = ('MANIFEST.json', 'FILES.json', 'README.md', 'LICENSE', 'requirements.txt', 'bindep.txt',
            'meta/runtime.yml', 'meta/execution-environment.yml', 'plugins/doc_fragments/connection.py',
            'docs/docsite/extra-docs.yml')


def extract(readme, dest):
    blocks = {}
    for match in MARKER.finditer(open(readme).read()):
        if match.group('name') in blocks:
            sys.exit('%s: quick-start block %s appears twice' % (readme, match.group('name')))
        blocks[match.group('name')] = match.group('body')
    missing = [name for name in BLOCKS if name not in blocks]
    if missing:
        sys.exit('%s: no quick-start block %s' % (readme, ', '.join(missing)))
    names = re.findall(r'^\s*(?:.*&&\s*)?export\s+([A-Z_][A-Z0-9_]*)', blocks['environment'], re.M)
    command = shlex.split(blocks['command'].strip())
    if not command or command[0] != 'ansible-playbook':
        sys.exit('%s: the quick-start command is not one ansible-playbook command line' % readme)
    for name in ('inventory.ini', 'quickstart.yml'):
        with open(os.path.join(dest, name), 'w') as f:
            f.write(blocks[name])
    with open(os.path.join(dest, 'environment.names'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    with open(os.path.join(dest, 'command'), 'w') as f:
        f.write('\n'.join(command) + '\n')


# The guide introduces its definition with this line, then an indented code block.
EE_DEFINITION = re.compile(r'^Save this as ``execution-environment.yml``:\n\n\.\. code-block:: yaml\n\n(?P<body>(?:    .*\n|\n)+)', re.M)


def ee_definition(rst, out):
    match = EE_DEFINITION.search(open(rst).read())
    if not match:
        sys.exit('%s: no execution-environment.yml block' % rst)
    with open(out, 'w') as f:
        f.write('\n'.join(line[4:] for line in match.group('body').rstrip().split('\n')) + '\n')


YAML_BLOCK = re.compile(r'^\.\. code-block:: yaml\n\n(?P<body>(?:    .*\n|\n)+)', re.M)


def rollover_playbooks(rst, dest, root):
    """The guide's three blocks (step 1, step 2, step 3) as playbooks over every host.

    The controller's /etc/esguard moves to ROOT/controller, each host's /etc to ROOT/hosts/HOST.
    step12.yml: an old CA to roll over from and the hosts' directories, then steps 1 and 2.
    step3.yml: step 3, and the copy task of step 1 again, as the guide says.
    """
    blocks = [match.group('body') for match in YAML_BLOCK.finditer(open(rst).read())]
    if len(blocks) != 3:
        sys.exit('%s: expected 3 YAML blocks (steps 1, 2 and 3), found %d' % (rst, len(blocks)))
    controller = root + '/controller/esguard/'
    host = root + '/hosts/{{ inventory_hostname }}/'
    blocks = [b.replace('dest: /etc/', 'dest: ' + host).replace('/etc/esguard/', controller)
              .replace('/etc/filebeat/', host + 'filebeat/') for b in blocks]
    copy_task = [t for t in blocks[0].split('\n\n') if 'ansible.builtin.copy:' in t]
    if len(copy_task) != 1:
        sys.exit('%s: step 1 has no single ansible.builtin.copy task' % rst)
    setup = '''    - name: The CA in use before the rollover
      esguard.security.es_cert:
        type: ca
        subject: {CN: example CA 2026}
        path: %(controller)sca-2026.crt
        privatekey_path: %(controller)sca-2026.key
      delegate_to: localhost
      run_once: true

    - name: The hosts' directories
      ansible.builtin.file:
        path: %(host)s{{ item }}
        state: directory
        mode: "0755"
      loop: [esguard, filebeat/certs]

''' % dict(controller=controller, host=host)
    play = '---\n- name: %s\n  hosts: all\n  gather_facts: false\n  tasks:\n'
    with open(os.path.join(dest, 'step12.yml'), 'w') as f:
        f.write(play % 'Steps 1 and 2' + setup + blocks[0] + '\n' + blocks[1])
    with open(os.path.join(dest, 'step3.yml'), 'w') as f:
        f.write(play % 'Step 3' + blocks[2] + '\n' + copy_task[0].rstrip('\n') + '\n')


def tarball_problems(path):
    with tarfile.open(path) as tar:
        names = [m.name[2:] if m.name.startswith('./') else m.name for m in tar.getmembers()]
    problems = ['in the tarball: %s' % n for n in names if any(fnmatch.fnmatch(n, p) for p in FORBIDDEN)]
    problems += ['missing from the tarball: %s' % n for n in REQUIRED if n not in names]
    modules = [n for n in names if fnmatch.fnmatch(n, 'plugins/modules/*.py')]
    if not modules:
        problems.append('missing from the tarball: plugins/modules/')
    print('\n'.join(problems))
    return 1 if problems else 0


def request(method, path, body=None):
    context = ssl.create_default_context(cafile=os.environ['ESGUARD_ES_CA'])
    credential = '%s:%s' % (os.environ['ESGUARD_ES_USERNAME'], os.environ['ESGUARD_ES_PASSWORD'])
    req = urllib.request.Request(
        os.environ['ESGUARD_ES_URL'] + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={'Authorization': 'Basic ' + base64.b64encode(credential.encode()).decode(),
                 'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(req, context=context, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def seqnos(ids):
    docs = request('POST', '/.security/_mget?filter_path=docs._id,docs._seq_no', {'ids': ids})['docs']
    missing = [d['_id'] for d in docs if '_seq_no' not in d]
    if missing:
        sys.exit('no such security documents: %s' % ', '.join(missing))
    print(sum(d['_seq_no'] for d in docs))


def cleanup(user, role):
    request('DELETE', '/_security/api_key', {'username': user})
    request('DELETE', '/_security/user/%s' % user)
    request('DELETE', '/_security/role/%s' % role)


def main(argv):
    command, args = argv[1], argv[2:]
    if command == 'extract':
        extract(*args)
    elif command == 'ee-definition':
        ee_definition(*args)
    elif command == 'rollover-playbooks':
        rollover_playbooks(*args)
    elif command == 'tarball-problems':
        return tarball_problems(*args)
    elif command == 'seqnos':
        seqnos(args)
    elif command == 'cleanup':
        cleanup(*args)
    else:
        sys.exit(__doc__)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
