#!/usr/bin/env python
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmarks (reports, not tests) of the collection against the test node; writes a JSON file.

    python tests/bench/bench.py [--only round_trips,scale,certs,overhead,fleet] [--repeats 3] [--out FILE]

Started by tests/bench/run, which provides what this needs: the node's environment (ESGUARD_ES_URL,
ESGUARD_ES_USERNAME, ESGUARD_ES_PASSWORD, ESGUARD_ES_CA), the collection on ANSIBLE_COLLECTIONS_PATH
and PYTHONPATH, and ESGUARD_COLLECTION (its root, copied for the no-op twin). Every figure is a list of
samples, each with the load average at its end; report.py turns them into docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings

import cryptography
import elasticsearch
import yaml
from elasticsearch import Elasticsearch, ElasticsearchWarning

# The modules' own rule for reading many names; the floors read the same way.
from ansible_collections.esguard.security.plugins.module_utils._security_items import names_path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_es_cert  # noqa: E402
import fleet as fleet_lib  # noqa: E402
import proxy as counting  # noqa: E402

PREFIX = 'esguard_bench_'
KEY_PREFIX = 'esguard-bench-key-'
# The fleet section's containers: apart from the scenarios' (esguard-es, esguard-shipper-*).
CONTAINER_PREFIX = 'esguard-bench-'
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SCENARIO = os.path.join(REPO, 'molecule', 'fleet')
PASSWORD = 'bench-password-1'
PHASES = ('create', 'update', 'noop')
ES_MODULES = ('es_role', 'es_user', 'es_role_mapping', 'es_api_key', 'es_credential_check')

# A module that does nothing: the controller's and Ansible's own cost of one module run.
NOOP_MODULE = '''#!/usr/bin/python
import json
import sys
from ansible.module_utils.basic import _load_params
if __name__ == '__main__':
    _load_params()
    print(json.dumps(dict(changed=False)))
    sys.exit(0)
'''


# ---- workloads: the same items for the module and its floor ----------------------------------------

def index_privileges(variant):
    return ['create_doc', 'auto_configure'] + (['view_index_metadata'] if variant != 'create' else [])


def roles(count, variant):
    return [dict(name='%srole_%03d' % (PREFIX, i), cluster=['monitor'],
                 indices=[dict(names=['bench-%03d-*' % i], privileges=index_privileges(variant))])
            for i in range(count)]


def users(count, variant):
    extra = ['%sshared' % PREFIX] if variant != 'create' else []
    return [dict(name='%suser_%03d' % (PREFIX, i), roles=['%srole_%03d' % (PREFIX, i)] + extra, password=PASSWORD)
            for i in range(count)]


def key_descriptors(variant):
    return {'writer': dict(cluster=['monitor'], indices=[dict(names=['filebeat-*'],
                                                              privileges=index_privileges(variant))])}


def privileges_of(body):
    """What the floors compare: cluster privileges and, per index entry, its names and privileges."""
    return (sorted(body.get('cluster') or []),
            sorted((sorted(entry['names']), sorted(entry['privileges'])) for entry in body.get('indices') or []))


def same_descriptors(desired, actual):
    return (sorted(desired) == sorted(actual or {})
            and all(privileges_of(desired[name]) == privileges_of(actual[name]) for name in desired))


# ---- floors: the raw client doing the module's work (read all, compare, write the differences) -----

def floor_roles(es, items):
    found = es.options(ignore_status=404).security.get_role(name=names_path([item['name'] for item in items]))
    for item in items:
        current = found.get(item['name'])
        if current is None or privileges_of(current) != privileges_of(item):
            es.security.put_role(name=item['name'], cluster=item['cluster'], indices=item['indices'])


def floor_users(es, items):
    """Users' passwords cannot be read: like the module, authenticate as each existing user to compare."""
    found = es.options(ignore_status=404).security.get_user(username=names_path([item['name'] for item in items]))
    for item in items:
        current = found.get(item['name'])
        password_ok = current is not None and es.options(
            basic_auth=(item['name'], item['password']), ignore_status=401).security.authenticate().meta.status == 200
        if current is None or not password_ok or sorted(current['roles']) != sorted(item['roles']):
            body = dict(roles=item['roles'])
            if not password_ok:
                body['password'] = item['password']
            es.security.put_user(username=item['name'], **body)


def floor_api_keys(es, names, descriptors):
    """Per key: read the active keys of that name, create it when there is none, update it when it differs."""
    for name in names:
        found = es.security.get_api_key(name=name, owner=True, active_only=True)['api_keys']
        if not found:
            es.security.create_api_key(name=name, role_descriptors=descriptors)
        elif not same_descriptors(descriptors, found[0].get('role_descriptors')):
            es.security.update_api_key(id=found[0]['id'], role_descriptors=descriptors)


def timed(run, *args):
    start = time.monotonic()
    run(*args)
    return time.monotonic() - start


class Bench(object):

    def __init__(self, args, workdir):
        env = os.environ
        self.args = args
        self.workdir = workdir
        self.url, self.ca = env['ESGUARD_ES_URL'], env['ESGUARD_ES_CA']
        self.login = (env['ESGUARD_ES_USERNAME'], env['ESGUARD_ES_PASSWORD'])
        self.es = Elasticsearch(self.url, ca_certs=self.ca, basic_auth=self.login, request_timeout=120)
        self.collections_path = env['ANSIBLE_COLLECTIONS_PATH']
        self.noop_collections_path = self.noop_twin(env['ESGUARD_COLLECTION'])

    def noop_twin(self, collection):
        """A copy of the collection whose modules do nothing, first on its own collections path."""
        root = os.path.join(self.workdir, 'noop')
        twin = os.path.join(root, 'ansible_collections', 'esguard', 'security')
        shutil.copytree(collection, twin, ignore=shutil.ignore_patterns('tests', '.git'))
        modules = os.path.join(twin, 'plugins', 'modules')
        for name in os.listdir(modules):
            if name.endswith('.py') and name != '__init__.py':
                with open(os.path.join(modules, name), 'w') as handle:
                    handle.write(NOOP_MODULE)
        return root + ':' + self.collections_path

    # ---- running plays --------------------------------------------------------------------------------

    def connection(self, through_proxy=None):
        if through_proxy:
            return dict(hosts=[through_proxy.url], ca_certs=through_proxy.ca_path,
                        login_user=self.login[0], login_password=self.login[1])
        return dict(hosts=[self.url], ca_certs=self.ca, login_user=self.login[0], login_password=self.login[1])

    def play(self, tasks, hosts='localhost', through_proxy=None, login=True):
        """A play of local tasks; with ``login`` the group's defaults carry the admin login (a credential
        check names its own credential, which must not meet another one from the defaults)."""
        defaults = self.connection(through_proxy)
        if not login:
            del defaults['login_user'], defaults['login_password']
        return dict(hosts=hosts, gather_facts=False, connection='local',
                    vars=dict(ansible_python_interpreter=sys.executable),
                    module_defaults={'group/esguard.security.elasticsearch': defaults}, tasks=tasks)

    def inventory(self, count):
        path = os.path.join(self.workdir, 'inventory-%d.ini' % count)
        with open(path, 'w') as handle:
            handle.write('[fleet]\n')
            handle.writelines('bench%03d\n' % i for i in range(count))
        return path

    def plays_file(self, plays):
        path = os.path.join(self.workdir, 'play.yml')
        with open(path, 'w') as handle:
            json.dump(plays, handle)
        return path

    def run_playbook(self, arguments, env=None, noop=False):
        """(seconds, output) of one ansible-playbook run (start-up included), with ``env`` added to the
        environment; fails loudly when the play fails."""
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=self.noop_collections_path if noop else self.collections_path,
                   ANSIBLE_HOST_KEY_CHECKING='False', ANSIBLE_RETRY_FILES_ENABLED='False', **(env or {}))
        start = time.monotonic()
        done = subprocess.run(['ansible-playbook'] + arguments, env=env, check=False,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seconds = time.monotonic() - start
        if done.returncode != 0:
            raise RuntimeError('ansible-playbook failed:\n' + done.stdout[-3000:])
        return seconds, done.stdout

    def ansible(self, plays, inventory='localhost,', forks=5, noop=False):
        """Seconds of one ansible-playbook run of ``plays``."""
        return self.run_playbook(['-i', inventory, '--forks', str(forks), self.plays_file(plays)], noop=noop)[0]

    # ---- measuring ----------------------------------------------------------------------------------

    def writes_to(self, documents):
        """A function returning {id: version} of ``documents`` of the security index (ids, or a search query),
        for ``sample`` to count the writes to them; other documents' writes, such as the node's own
        housekeeping, are not counted."""
        def versions():
            # Reading the security index directly is what this is for: no warning about it.
            with warnings.catch_warnings():
                warnings.simplefilter('ignore', ElasticsearchWarning)
                if isinstance(documents, list):
                    found = self.es.mget(index='.security', ids=documents, source=False)['docs']
                else:
                    found = self.es.search(index='.security', query=documents, version=True, source=False,
                                           size=10000)['hits']['hits']
            return dict((doc['_id'], doc['_version']) for doc in found if doc.get('found', True))
        return versions

    def sample(self, run, writes=None):
        """One timed run: seconds, 1-minute load average after it, and with ``writes`` (see writes_to) the
        writes to the watched security documents: each write adds one to a document's version; a document
        made or deleted counts one (a re-made document's version goes on from the deleted one's)."""
        before = writes() if writes else {}
        seconds = run()
        result = dict(seconds=round(seconds, 3), load=round(os.getloadavg()[0], 2))
        if writes:
            after = writes()
            result['writes'] = (sum(version - before[doc] if doc in before else 1 for doc, version in after.items())
                                + len(set(before) - set(after)))
        return result

    def phases(self, clean, run_phase, repeats, writes):
        """{phase: [samples]}: from nothing, one create; then ``repeats`` updates, each changing every item
        (alternately to the updated and back to the created form); then ``repeats`` no-op re-runs."""
        clean()
        samples = dict(create=[self.sample(lambda: timed(run_phase, 'create'), writes)], update=[], noop=[])
        for index in range(repeats):
            variant = 'update' if index % 2 == 0 else 'create'
            samples['update'].append(self.sample(lambda: timed(run_phase, variant), writes))
        samples['noop'] = [self.sample(lambda: timed(run_phase, variant), writes) for dummy in range(repeats)]
        clean()
        return samples

    # ---- cleaning up --------------------------------------------------------------------------------

    def clean_items(self, count):
        for i in range(count):
            self.es.options(ignore_status=404).security.delete_user(username='%suser_%03d' % (PREFIX, i))
            self.es.options(ignore_status=404).security.delete_role(name='%srole_%03d' % (PREFIX, i))

    def clean_keys(self, prefix=KEY_PREFIX):
        self.es.options(ignore_status=404).security.invalidate_api_key(name=prefix + '*')

    # ---- round trips ----------------------------------------------------------------------------------

    def round_trips(self):
        """Requests per module call, counted by the proxy: create, update, no-op re-run (one item each)."""
        proxy = counting.CountingProxy(self.url, self.ca, self.workdir).start()
        secret_file = os.path.join(self.workdir, 'rt.api_key')
        role = roles(1, 'create')[0]
        tasks = {
            'es_role': lambda variant: dict(roles(1, variant)[0], name=PREFIX + 'rt_role'),
            'es_user': lambda variant: dict(users(1, variant)[0], name=PREFIX + 'rt_user'),
            'es_role_mapping': lambda variant: dict(
                name=PREFIX + 'rt_mapping', roles=[role['name']] + ([PREFIX + 'shared'] if variant != 'create' else []),
                rules={'field': {'dn': 'cn=*,ou=bench,o=example'}}),
            'es_api_key': lambda variant: dict(name=KEY_PREFIX + 'rt', role_descriptors=key_descriptors(variant),
                                               secret_file=secret_file),
        }
        results = {}
        try:
            for module, params in tasks.items():
                results[module] = {}
                for phase in PHASES:
                    task = {'esguard.security.' + module: params('create' if phase == 'create' else 'update'),
                            'no_log': True}
                    seconds = self.ansible([self.play([task], through_proxy=proxy)])
                    results[module][phase] = dict(counting.summary(proxy.take()), seconds=round(seconds, 2))
            check = {'esguard.security.es_credential_check': dict(
                api_key="{{ lookup('ansible.builtin.file', '%s') }}" % secret_file,
                cluster=['monitor'], indices=[dict(names=['filebeat-*'], privileges=['create_doc'])]),
                'no_log': True}
            seconds = self.ansible([self.play([check], through_proxy=proxy, login=False)])
            results['es_credential_check'] = dict(check=dict(counting.summary(proxy.take()), seconds=round(seconds, 2)))
        finally:
            proxy.stop()
            self.es.options(ignore_status=404).security.delete_role(name=PREFIX + 'rt_role')
            self.es.options(ignore_status=404).security.delete_user(username=PREFIX + 'rt_user')
            self.es.options(ignore_status=404).security.delete_role_mapping(name=PREFIX + 'rt_mapping')
            self.clean_keys()
        return results

    # ---- scale ----------------------------------------------------------------------------------------

    def list_task(self, module, list_key, items):
        return [self.play([{'esguard.security.' + module: {list_key: items}, 'no_log': True}])]

    def looped_task(self, module, items):
        task = {'esguard.security.' + module: dict((key, '{{ item.%s }}' % key) for key in items[0]),
                'loop': items, 'no_log': True}
        return [self.play([task])]

    def key_play(self, variant, secret_dir=None):
        params = dict(name=KEY_PREFIX + '{{ inventory_hostname }}', role_descriptors=key_descriptors(variant))
        if secret_dir:
            params['secret_file'] = secret_dir + '/{{ inventory_hostname }}.api_key'
        return [self.play([{'esguard.security.es_api_key': params, 'no_log': True}], hosts='fleet')]

    def scale(self):
        args, results = self.args, {}
        kinds = (('roles', 'es_role', roles, floor_roles), ('users', 'es_user', users, floor_users))
        for kind, module, make, floor in kinds:
            if kind not in args.kinds:
                continue
            count, loop_count = args.count, args.loop_count
            documents = ['%s-%s' % (kind[:-1], item['name']) for item in make(count, 'create')]
            writes = self.writes_to(documents)
            ways = dict(
                list=self.phases(lambda: self.clean_items(count),
                                 lambda phase: self.ansible(self.list_task(module, kind, make(count, phase))),
                                 args.repeats, writes),
                floor=self.phases(lambda: self.clean_items(count),
                                  lambda phase: floor(self.es, make(count, phase)), args.repeats, writes),
                loop=self.phases(lambda: self.clean_items(loop_count),
                                 lambda phase: self.ansible(self.looped_task(module, make(loop_count, phase))), 1,
                                 writes))
            results[kind] = dict(count=count, loop_count=loop_count, ways=ways)
            print('scale: %s done' % kind, file=sys.stderr, flush=True)

        if 'api_keys' not in args.kinds:
            return results
        keys, inventory = args.keys, self.inventory(args.keys)
        names = [KEY_PREFIX + 'bench%03d' % i for i in range(keys)]
        writes = self.writes_to(dict(bool=dict(filter=[dict(term=dict(doc_type='api_key')),
                                                       dict(prefix=dict(name=KEY_PREFIX + 'bench'))])))
        results['api_keys'] = dict(count=keys, forks=args.forks, ways=dict(
            hosts=self.phases(self.clean_keys, lambda phase: self.ansible(self.key_play(phase), inventory=inventory,
                                                                          forks=args.forks), 1, writes),
            floor=self.phases(self.clean_keys, lambda phase: floor_api_keys(self.es, names, key_descriptors(phase)),
                              args.repeats, writes)))
        return results

    # ---- certificates ---------------------------------------------------------------------------------

    def certs(self):
        """es_cert's code in one process and through Ansible (a looped task) against openssl command lines."""
        directory = tempfile.mkdtemp(dir=self.workdir)
        ca_crt, ca_key = bench_es_cert.make_ca(directory)
        es_cert = bench_es_cert.bench_es_cert(directory, self.args.certs)
        openssl = bench_es_cert.bench_openssl(directory, self.args.certs)
        per_cert = dict(es_cert=es_cert.wall, openssl=openssl.wall)
        per_cert_cpu = dict(es_cert=es_cert.cpu, openssl=openssl.cpu)
        count = self.args.cert_loop
        out = tempfile.mkdtemp(dir=self.workdir)
        task = {'esguard.security.es_cert': dict(
            type='server', subject={'CN': '{{ item }}'}, subject_alt_names=['DNS:{{ item }}.example.com'],
            key_type='ec_p256', ca_path=ca_crt, ca_privatekey_path=ca_key, path=out + '/{{ item }}.crt',
            privatekey_path=out + '/{{ item }}.key'), 'loop': ['leaf%03d' % i for i in range(count)]}
        looped = self.sample(lambda: self.ansible([self.play([task])]))
        looped_noop = self.sample(lambda: self.ansible([self.play([task])], noop=True))
        looped = dict(count=count, samples=[looped], noop_samples=[looped_noop])
        return dict(count=self.args.certs, per_cert=per_cert, per_cert_cpu=per_cert_cpu, looped=looped)

    # ---- controller overhead --------------------------------------------------------------------------

    def overhead(self):
        """The scale plays run with the no-op twin: what Ansible costs without any of the collection's work."""
        args = self.args
        plays = dict(
            roles_list=(self.list_task('es_role', 'roles', roles(args.count, 'update')), 'localhost,', 5),
            roles_loop=(self.looped_task('es_role', roles(args.loop_count, 'update')), 'localhost,', 5),
            users_list=(self.list_task('es_user', 'users', users(args.count, 'update')), 'localhost,', 5),
            users_loop=(self.looped_task('es_user', users(args.loop_count, 'update')), 'localhost,', 5),
            api_keys_hosts=(self.key_play('update'), self.inventory(args.keys), args.forks))
        results = {}
        for name, (plays_, inventory, forks) in plays.items():
            repeats = args.repeats if name.endswith('_list') else 1
            results[name] = [self.sample(lambda: self.ansible(plays_, inventory=inventory, forks=forks, noop=True))
                             for dummy in range(repeats)]
        return results

    def imports(self):
        return imports(max(self.args.repeats, 5))

    # ---- fleet ----------------------------------------------------------------------------------------

    def fleet(self):
        """site.yml on N shipper containers (the fleet scenario's hosts, its create and prepare plays) against
        an Elasticsearch container of the bench's own: first converge, idempotent re-run, and the no-op
        playbook of the re-run's steps (see fleet.noop_playbook). Every container is removed at the end, and a
        detached watchdog removes them after --fleet-lifetime seconds should this process die first."""
        args = self.args
        with open(os.path.join(REPO, 'playbooks', 'inventories', 'local', 'mixed.yml')) as handle:
            kinds = fleet_lib.shipper_kinds(yaml.safe_load(handle))
        inventories = dict((count, fleet_lib.fleet_inventory(count, kinds, CONTAINER_PREFIX)) for count in args.fleet)
        # Named after its port: runs on different ports never share a container.
        es_name = '%ses-%d' % (CONTAINER_PREFIX, args.fleet_port)
        names = [es_name] + [host for inventory in inventories.values()
                             for host in fleet_lib.inventory_hosts(inventory)]
        watchdog = subprocess.Popen(['sh', '-c', 'sleep "$0"; docker rm -f "$@"', str(args.fleet_lifetime)] + names,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            return self.fleet_runs(inventories, es_name)
        finally:
            subprocess.run(['docker', 'rm', '-f'] + names, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           check=False)
            # The watchdog's whole session: its shell and the sleep it waits on.
            os.killpg(watchdog.pid, signal.SIGKILL)

    def fleet_runs(self, inventories, es_name):
        args, workdir = self.args, tempfile.mkdtemp(dir=self.workdir)
        certs = os.path.join(workdir, 'certs')
        # The environment the scenario's provisioner gives its plays (molecule/fleet/molecule.yml).
        env = dict(ELASTICSEARCH_USERNAME='elastic', ELASTICSEARCH_PASSWORD=PASSWORD + '-fleet-elastic',
                   ELASTICSEARCH_CA_CERTS=os.path.join(certs, 'ca.crt'), ESGUARD_CA_KEY=os.path.join(certs, 'ca.key'),
                   ANSIBLE_PIPELINING='True', ANSIBLE_PYTHON_INTERPRETER='auto_silent')
        url = 'https://127.0.0.1:%d' % args.fleet_port
        site_vars = self.vars_file(workdir, 'site', dict(esguard_es_hosts=[url]))
        results, es = {}, None
        for count, inventory in sorted(inventories.items()):
            hosts = fleet_lib.inventory_hosts(inventory)
            platforms = [dict(name=es_name, groups=['elasticsearch'])] + [dict(name=host, groups=['beats'])
                                                                          for host in hosts]
            scenario = self.vars_file(workdir, 'scenario', dict(
                molecule_yml=dict(platforms=platforms), molecule_ephemeral_directory=workdir,
                molecule_instance_config=os.path.join(workdir, 'instances.yml'), es_http_port=args.fleet_port))
            self.run_playbook([os.path.join(SCENARIO, 'create.yml'), '-e', '@' + scenario], env)
            path = self.fleet_inventory_file(workdir, count, inventory)
            self.run_playbook(['-i', path, os.path.join(SCENARIO, 'prepare.yml')], env)
            if es is None:
                es = Elasticsearch(url, ca_certs=env['ELASTICSEARCH_CA_CERTS'], request_timeout=120,
                                   basic_auth=(env['ELASTICSEARCH_USERNAME'], env['ELASTICSEARCH_PASSWORD']))
            else:
                # Each size's first converge makes the roles too, as the first size's did.
                for name, role in es.security.get_role().items():
                    if (role.get('metadata') or {}).get('managed_by') == 'esguard.security':
                        es.security.delete_role(name=name)
            site = ['-i', path, '--forks', str(args.forks), 'esguard.security.site', '-e', '@' + site_vars]
            steps_file = os.path.join(workdir, 'steps-%d.json' % count)
            tasks_file = os.path.join(workdir, 'tasks-%d.json' % count)
            record = dict(env, ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'),
                          ANSIBLE_CALLBACKS_ENABLED='bench_steps', ESGUARD_BENCH_STEPS=steps_file,
                          ESGUARD_BENCH_TASKS=tasks_file)
            converge = self.fleet_sample(es, lambda: self.run_playbook(site, env))
            reruns = []
            for dummy in range(args.repeats):
                sample = self.fleet_sample(es, lambda: self.run_playbook(site, record))
                # The part one list call on the controller would replace: the per-host es_api_key runs.
                sample['api_key_tasks'] = fleet_lib.action_seconds(self.read_json(tasks_file), 'es_api_key')
                reruns.append(sample)
            steps = self.read_json(steps_file)
            key_hosts = sum(1 for group in inventory['all']['children'].values()
                            for host in group['hosts'].values() if host['esguard_auth'] == 'api_key')
            list_plays = self.plays_file(fleet_lib.list_call_playbook(url, '%s%d-*' % (CONTAINER_PREFIX, count),
                                                                      key_hosts))
            list_calls = []
            for dummy in range(args.repeats):
                # On the controller as the implicit localhost (Ansible's own Python), as delegated tasks run.
                sample = self.fleet_sample(es, lambda: self.run_playbook(['-i', path, list_plays], record))
                sample['list_task'] = fleet_lib.action_seconds(self.read_json(tasks_file), 'uri')
                list_calls.append(sample)
            noop_plays = fleet_lib.noop_playbook(steps)
            noops = [self.fleet_sample(None, lambda: self.run_playbook(['-i', path, '--forks', str(args.forks),
                                                                        self.plays_file(noop_plays)], record))
                     for dummy in range(args.repeats)]
            noop_steps = self.read_json(steps_file)
            subprocess.run(['docker', 'rm', '-f'] + hosts, stdout=subprocess.DEVNULL, check=False)
            results[str(count)] = dict(
                hosts=count, forks=args.forks, converge=[converge], rerun=reruns, noop=noops,
                api_key_hosts=key_hosts, list_call=list_calls,
                steps=fleet_lib.step_counts(steps), noop_steps=fleet_lib.step_counts(noop_steps),
                auth=sorted(set(host['esguard_auth'] for group in inventory['all']['children'].values()
                                for host in group['hosts'].values())))
            print('fleet: %d hosts done' % count, file=sys.stderr, flush=True)
        return results

    def fleet_sample(self, es, run):
        """One timed run with the writes to the security index (its indexing and delete counters: the
        cluster is the bench's own) and the changed tasks of the run's recap."""
        def counter():
            stats = es.indices.stats(index='.security', metric='indexing')['_all']['total']['indexing']
            return stats['index_total'] + stats['delete_total']
        before = counter() if es else 0
        seconds, output = run()
        result = dict(seconds=round(seconds, 3), load=round(os.getloadavg()[0], 2),
                      changed=sum(int(n) for n in re.findall(r'\bchanged=(\d+)', output)))
        if es:
            result['writes'] = counter() - before
        return result

    @staticmethod
    def read_json(path):
        with open(path) as handle:
            return json.load(handle)

    def vars_file(self, workdir, name, variables):
        path = os.path.join(workdir, name + '.json')
        with open(path, 'w') as handle:
            json.dump(variables, handle)
        return path

    def fleet_inventory_file(self, workdir, count, inventory):
        """The inventory in a directory of its own, next to the scenario inventory's group_vars."""
        directory = os.path.join(workdir, 'inventory-%d' % count)
        os.makedirs(directory)
        os.symlink(os.path.join(REPO, 'playbooks', 'inventories', 'local', 'group_vars'),
                   os.path.join(directory, 'group_vars'))
        path = os.path.join(directory, 'hosts.yml')
        with open(path, 'w') as handle:
            json.dump(inventory, handle)
        return path


def cpu_seconds(command):
    """CPU time (user and system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 4)


def imports(repeats):
    """CPU seconds a module run spends starting Python and importing what the collection's modules import
    (CPU time, unlike wall-clock time, hardly depends on the machine's load)."""
    programs = dict(
        python='pass',
        ansible_basic='import ansible.module_utils.basic',
        elasticsearch='import elasticsearch',
        # elastic_transport imports aiohttp for its async client whenever it is installed; the modules never use it.
        elasticsearch_without_aiohttp='import sys; sys.modules["aiohttp"] = None; import elasticsearch')
    results = dict((name, [cpu_seconds([sys.executable, '-c', program]) for dummy in range(repeats)])
                   for name, program in programs.items())
    found = subprocess.run([sys.executable, '-c', 'import aiohttp'], check=False, stderr=subprocess.DEVNULL)
    results['aiohttp_installed'] = found.returncode == 0
    return results


def machine(es):
    info = es.info()
    return dict(
        cpus=os.cpu_count(), cpu_model=cpu_model(), memory_gib=memory_gib(), python=platform.python_version(),
        ansible_core=subprocess.run(['ansible', '--version'], capture_output=True, text=True, check=True).stdout.split('\n')[0],
        elasticsearch_client=elasticsearch.__versionstr__, cryptography=cryptography.__version__,
        openssl=subprocess.run(['openssl', 'version'], capture_output=True, text=True, check=True).stdout.strip(),
        elasticsearch=info['version']['number'], kernel=platform.release(),
        started=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))


def cpu_model():
    with open('/proc/cpuinfo') as handle:
        for line in handle:
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    return platform.processor()


def memory_gib():
    with open('/proc/meminfo') as handle:
        kib = int(handle.readline().split()[1])
    return round(kib / 1024.0 / 1024.0, 1)


SECTIONS = ('round_trips', 'scale', 'certs', 'overhead', 'fleet', 'imports')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--only', default=','.join(SECTIONS), help='comma-separated sections')
    parser.add_argument('--repeats', type=int, default=3, help='runs of each cheap measurement (median reported)')
    parser.add_argument('--count', type=int, default=200, help='roles and users in the list call and floor')
    parser.add_argument('--loop-count', type=int, default=50, help='items of the looped task (one module run each)')
    parser.add_argument('--keys', type=int, default=200, help='API keys, one per inventory host')
    parser.add_argument('--forks', type=int, default=20)
    parser.add_argument('--certs', type=int, default=500)
    parser.add_argument('--cert-loop', type=int, default=20, help='certificates of the looped es_cert task')
    parser.add_argument('--kinds', default='roles,users,api_keys', help='what the scale section measures')
    parser.add_argument('--fleet', default='4,8,16', help='shipper containers of the fleet runs')
    parser.add_argument('--fleet-port', type=int, default=9291, help="HTTPS port of the fleet's Elasticsearch container")
    parser.add_argument('--fleet-lifetime', type=int, default=5400,
                        help='seconds after which the fleet containers are removed even if the bench dies')
    parser.add_argument('--out', default=os.path.join('docs', 'benchmarks.json'))
    args = parser.parse_args()
    args.fleet = [int(n) for n in args.fleet.split(',')]
    args.kinds = args.kinds.split(',')
    sections = args.only.split(',')

    results = dict(settings=dict((k, v) for k, v in vars(args).items() if k != 'out'))
    if os.path.exists(args.out):
        # Sections not run this time keep their earlier figures.
        with open(args.out) as handle:
            results = dict(json.load(handle), settings=results['settings'])
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    workdir = tempfile.mkdtemp(prefix='esguard-bench-')
    try:
        bench = Bench(args, workdir)
        results['machine'] = machine(bench.es)
        for section in sections:
            started, started_at = time.monotonic(), time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())
            load = os.getloadavg()
            results[section] = getattr(bench, section)()
            results[section + '_meta'] = dict(seconds=round(time.monotonic() - started), started=started_at,
                                              load_before=round(load[0], 2),
                                              load_after=round(os.getloadavg()[0], 2), settings=results['settings'])
            with open(args.out, 'w') as handle:
                json.dump(results, handle, indent=1, sort_keys=True)
            print('%s: %d s' % (section, results[section + '_meta']['seconds']), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    main()
