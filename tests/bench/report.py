#!/usr/bin/env python
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Renders the benchmark results (bench.py's JSON) as docs/benchmarks.md.

    python tests/bench/report.py RESULTS.json OUTPUT.md [README.md]

Every time is the median of its samples, shown with the number of samples and the range of the
one-minute load average they were taken at; ratios are module / floor (lower is better) unless a
column says otherwise. With README.md, its benchmark summary (between README_BEGIN and README_END)
is replaced too.
"""
from __future__ import annotations

import json
import sys

TARGETS = dict(list_over_floor=1.5, key_over_floor=1.5, openssl_over_es_cert=5.0, rerun_over_noop=1.3)
PHASES = ('create', 'update', 'noop')
PHASE_NAMES = dict(create='create', update='update', noop='no-op re-run')


def median(values):
    ordered = sorted(values)
    if not ordered:
        raise ValueError('no samples')
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2.0


def seconds(samples):
    """The median time of samples (dicts with ``seconds``)."""
    return median([sample['seconds'] for sample in samples])


def ratio(numerator, denominator):
    return numerator / denominator if denominator else float('inf')


def loads(samples):
    """The load averages the samples were taken at, as ``a`` or ``a-b``."""
    values = [sample['load'] for sample in samples]
    low, high = min(values), max(values)
    return '%.1f' % low if round(low, 1) == round(high, 1) else '%.1f-%.1f' % (low, high)


def writes(samples):
    """Security-index writes of the samples: one number when they agree, else their range."""
    values = sorted(set(sample['writes'] for sample in samples))
    return str(values[0]) if len(values) == 1 else '%d-%d' % (values[0], values[-1])


def fmt_seconds(value):
    if value >= 10:
        return '%.1f s' % value
    if value >= 0.1:
        return '%.2f s' % value
    return '%.0f ms' % (value * 1000)


def fmt_ratio(value):
    return '%.2fx' % value if value < 10 else '%.0fx' % value


def own_ratio(module_samples, noop_samples, floor_samples):
    """(module run - the same play with no-op modules) / floor, or '' without no-op samples."""
    if not noop_samples:
        return ''
    own = seconds(module_samples) - seconds(noop_samples)
    if own <= 0:
        # The no-op play took as long or longer: the load moved between the runs more than the modules cost.
        return 'within the noise'
    return fmt_ratio(ratio(own, seconds(floor_samples)))


def verdict(value, target, higher_is_better=False):
    met = value >= target if higher_is_better else value <= target
    return 'met' if met else 'missed'


def table(header, rows):
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join('---' if i == 0 else '---:' for i in range(len(header))) + '|']
    lines.extend('| ' + ' | '.join(str(cell) for cell in row) + ' |' for row in rows)
    return '\n'.join(lines)


# ---- sections ----------------------------------------------------------------------------------------

def run_started(results):
    """When the first section of the results ran (a run of some sections keeps the others' figures)."""
    return min([meta['started'] for key, meta in results.items() if key.endswith('_meta') and 'started' in meta]
               or [results['machine']['started']])


def run_minutes(results):
    """How long the sections of the results took, in all and the longest ones."""
    metas = sorted(((meta['seconds'], key[:-len('_meta')]) for key, meta in results.items() if key.endswith('_meta')),
                   reverse=True)
    return '%d minutes, %s' % (round(sum(seconds for seconds, section in metas) / 60.0), ', '.join(
        '%s %d' % (section, round(seconds / 60.0)) for seconds, section in metas[:2]))


def machine_section(results):
    m = results['machine']
    rows = [('CPUs', '%d (%s)' % (m['cpus'], m['cpu_model'])), ('memory', '%s GiB' % m['memory_gib']),
            ('kernel', m['kernel']), ('Python', m['python']), ('Ansible', m['ansible_core']),
            ('elasticsearch client', m['elasticsearch_client']), ('cryptography', m['cryptography']),
            ('OpenSSL', m['openssl']), ('Elasticsearch', '%s, single node on the same machine' % m['elasticsearch']),
            ('run started', run_started(results))]
    for section in ('round_trips', 'scale', 'certs', 'overhead', 'fleet', 'imports'):
        meta = results.get(section + '_meta')
        if meta:
            rows.append(('section %s' % section, '%s%d s, load average %.1f before, %.1f after'
                         % ('%s, ' % meta['started'] if 'started' in meta else '', meta['seconds'],
                            meta['load_before'], meta['load_after'])))
    notes = results.get('run_notes') or []
    return '\n\n'.join(['## The machine', table(('', ''), rows)] + notes)


def round_trips_section(rt, before=None):
    rows = []
    for module, phases in rt.items():
        if module == 'es_credential_check':
            check = phases['check']
            rows.append((module, 'n/a', 'n/a', '%d (%d writes)' % (check['requests'], check['writes'])))
            continue
        rows.append([module] + ['%d (%d writes)' % (phases[p]['requests'], phases[p]['writes']) for p in PHASES])
    detail = []
    for module, phases in rt.items():
        for phase, counts in phases.items():
            detail.append((module, PHASE_NAMES.get(phase, phase),
                           ', '.join('%s x%d' % (request, n) for request, n in sorted(counts['by_request'].items()))))
    noop_writes = sum(phases[p]['writes'] for phases in rt.values() for p in phases if p in ('noop', 'check'))
    changes = []
    for module, phases in sorted((before or {}).items()):
        for phase, counts in phases.items():
            now = rt.get(module, {}).get(phase)
            if now and now['requests'] != counts['requests']:
                changes.append((module, PHASE_NAMES.get(phase, phase), counts['requests'], now['requests']))
    before_after = []
    if changes:
        before_after = ['Before and after the change that reads the cluster\'s privilege names only when a role or '
                        'key is to be written (an unchanged one was accepted when it was written):',
                        table(('module', 'call', 'requests before', 'requests after'), changes)]
    return '\n\n'.join([
        '## Round trips per module call',
        'HTTP requests one module call sends, counted by a proxy on 127.0.0.1 that terminates TLS with a CA of '
        'its own (given to the module as `ca_certs`) and forwards each request to the node over verified TLS: '
        'requests are counted, not connections. One item per call; "update" changes the privileges, roles or '
        'role descriptors of the item the "create" call made, "no-op re-run" repeats the update. A write is any '
        'PUT, DELETE or POST other than `_has_privileges`, `_authenticate` and searches. The `es_api_key` calls '
        'use `secret_file`, so their re-runs prove the stored key still authenticates.',
        table(('module', 'create', 'update', 'no-op re-run'), rows),
        'Writes sent by the no-op re-runs and the credential check: **%d**.' % noop_writes]
        + before_after + [table(('module', 'call', 'requests'), detail)])


def scale_rows(kind, result, overhead):
    ways = result['ways']
    floor = dict((p, seconds(ways['floor'][p])) for p in PHASES)
    labels = dict(list='one list task', loop='looped task, per item x %d' % result['count'], floor='floor (raw client)')
    rows = []
    for way in ('list', 'loop', 'floor'):
        samples = ways[way]
        scale_by = result['count'] / float(result['loop_count']) if way == 'loop' else 1.0
        cells = [labels[way]]
        for phase in PHASES:
            value = seconds(samples[phase]) * scale_by
            cells.append('%s (%s, %d runs, load %s)' % (
                fmt_seconds(value), fmt_ratio(ratio(value, floor[phase])), len(samples[phase]), loads(samples[phase])))
        cells.append(' / '.join(writes(samples[p]) for p in PHASES))
        rows.append(cells)
    noop = overhead.get('%s_list' % kind) if overhead else None
    if noop:
        rows.append(['same list play, modules replaced by no-ops', '%s (%d runs, load %s)'
                     % (fmt_seconds(seconds(noop)), len(noop), loads(noop)), '', '', ''])
    return rows


def scale_section(scale, overhead):
    parts = ['## Scale: roles and users',
             'N roles (each one cluster and one index privilege) and N users (each with its role and a password), '
             'each way from nothing: create, then update (roles gain an index privilege, users a second role), then '
             'the no-op re-run of the update. The list task is one `es_role`/`es_user` task with the whole list '
             '(one module run). The looped task runs the module once per item; it is measured on fewer items and '
             'scaled to N (per item times N), since it grows linearly. The floor is the Elasticsearch Python client '
             'in one process doing the module\'s work: one read of all the items, a comparison of each, a write '
             'for each that differs; for users also one `_authenticate` per existing user, since a password '
             'cannot be read. Ansible times are whole `ansible-playbook` runs, start-up included. Each cell: '
             'median time (ratio to the floor, runs, load average). "writes" are documents written to the security '
             'index in create / update / no-op.']
    for kind in ('roles', 'users'):
        if kind not in scale:
            continue
        result = scale[kind]
        parts.append('### %d %s (looped task measured on %d)' % (result['count'], kind, result['loop_count']))
        parts.append(table(('way', 'create', 'update', 'no-op re-run', 'writes'), scale_rows(kind, result, overhead)))
    keys = scale.get('api_keys')
    if keys:
        ways, count = keys['ways'], keys['count']
        rows = []
        for way, label in (('hosts', 'es_api_key, one key per host, %d hosts, %d forks' % (count, keys['forks'])),
                           ('floor', 'floor (raw client, one process, key after key)')):
            cells = [label]
            for phase in PHASES:
                value = seconds(ways[way][phase])
                cells.append('%s per key (%s, %d runs, load %s)' % (
                    fmt_seconds(value / count), fmt_ratio(ratio(value, seconds(ways['floor'][phase]))),
                    len(ways[way][phase]), loads(ways[way][phase])))
            cells.append(' / '.join(writes(ways[way][p]) for p in PHASES))
            rows.append(cells)
        noop = (overhead or {}).get('api_keys_hosts')
        if noop:
            rows.append(['same play, module replaced by a no-op', '%s per key (%d runs, load %s)'
                         % (fmt_seconds(seconds(noop) / count), len(noop), loads(noop)), '', '', ''])
        parts.append('### %d API keys' % count)
        parts.append('One key per inventory host (local connection), each host\'s task ensuring its own key, as a '
                     'fleet does; update changes the role descriptors (an `update_api_key`). The floor reads the '
                     'active keys of each name, creates the key when there is none and updates it when its role '
                     'descriptors differ. "writes" are documents written to the security index.')
        parts.append(table(('way', 'create', 'update', 'no-op re-run', 'writes'), rows))
    return '\n\n'.join(parts)


def cert_figures(certs, measure='per_cert'):
    """Totals and medians per key type of ``measure``: per_cert (wall-clock) or per_cert_cpu (CPU time)."""
    per_cert = certs[measure]
    figures = {}
    for key_type in per_cert['es_cert']:
        es_cert, openssl = per_cert['es_cert'][key_type], per_cert['openssl'][key_type]
        figures[key_type] = dict(count=len(es_cert), es_cert=sum(es_cert), openssl=sum(openssl),
                                 es_cert_median=median(es_cert), openssl_median=median(openssl))
    figures['all'] = dict(count=sum(f['count'] for f in figures.values()),
                          es_cert=sum(f['es_cert'] for f in figures.values()),
                          openssl=sum(f['openssl'] for f in figures.values()))
    return figures


def certs_section(certs):
    figures = cert_figures(certs)
    rows = []
    measures = [('per_cert', 'wall-clock')] + ([('per_cert_cpu', 'CPU')] if 'per_cert_cpu' in certs else [])
    for measure, label in measures:
        for key_type, f in cert_figures(certs, measure).items():
            medians = ('%s / %s' % (fmt_seconds(f['es_cert_median']), fmt_seconds(f['openssl_median']))
                       if 'es_cert_median' in f else '')
            rows.append(('%s, %s' % (key_type, label), f['count'], fmt_seconds(f['es_cert']), fmt_seconds(f['openssl']),
                         medians, fmt_ratio(ratio(f['openssl'], f['es_cert']))))
    looped = certs['looped']
    per = seconds(looped['samples']) / looped['count']
    per_noop = seconds(looped['noop_samples']) / looped['count']
    return '\n\n'.join([
        '## Certificates: es_cert against openssl command lines',
        '%d leaf (server) certificates, alternately EC P-256 and RSA 2048, from one CA, with key, certificate '
        'and chain files written. es_cert\'s side runs the module\'s own decision and issuing code '
        '(`plan_outputs`) in one process; the openssl side runs `openssl req -new -newkey ...` (key and CSR) and '
        '`openssl x509 -req ...` (signing) for each certificate and concatenates the chain, as a shell script '
        'would. Wall-clock time is what a user waits; CPU time (of the process and its children) is what the '
        'work costs, and hardly depends on what else the machine runs.' % certs['count'],
        table(('keys', 'count', 'es_cert', 'openssl', 'median per certificate (es_cert / openssl)',
               'openssl / es_cert'), rows),
        'Through Ansible, a looped `es_cert` task issuing %d EC certificates took %s per certificate (load %s); '
        'the same loop with the module replaced by a no-op took %s per certificate: Ansible\'s start of each '
        'module run, not the issuing, is what a looped task pays for. openssl took %s per EC certificate.'
        % (looped['count'], fmt_seconds(per), loads(looped['samples']), fmt_seconds(per_noop),
           fmt_seconds(figures['ec_p256']['openssl_median']) if 'ec_p256' in figures else 'n/a')])


def overhead_section(results):
    overhead, scale = results['overhead'], results.get('scale') or {}
    rows = []
    plays = (('roles_list', 'roles', 'list', 'roles, one list task'), ('users_list', 'users', 'list', 'users, one list task'),
             ('roles_loop', 'roles', 'loop', 'roles, looped task'), ('users_loop', 'users', 'loop', 'users, looped task'),
             ('api_keys_hosts', 'api_keys', 'hosts', 'API keys, one per host'))
    for name, kind, way, label in plays:
        if name not in overhead:
            continue
        noop = seconds(overhead[name])
        if kind not in scale:
            rows.append((label, 'not measured in this run', fmt_seconds(noop), '', '', loads(overhead[name])))
            continue
        real = seconds(scale[kind]['ways'][way]['update'])
        rows.append((label, fmt_seconds(real), fmt_seconds(noop), fmt_seconds(real - noop),
                     '%.0f %%' % (100.0 * max(real - noop, 0) / real), loads(overhead[name])))
    return '\n\n'.join([
        '## Controller overhead: how much is the collection\'s own time',
        'The same plays as in the scale section, run with a copy of the collection whose modules do nothing '
        '(they read their arguments and answer `changed: false`): what remains is Ansible (start-up, templating, '
        'building and starting each module run). The difference is the collection\'s own time: its imports, '
        'argument checks, TLS connection, requests and the server\'s work. The update phase is compared (it '
        'writes every item). The looped plays ran on the looped task\'s own item count. A negative difference '
        'means the two runs differ by more than the collection\'s time: the load moved between them.',
        table(('play', 'with the modules', 'modules replaced by no-ops', 'collection\'s own', 'share',
               'load (no-op runs)'), rows)])


def module_steps(counts):
    """Module runs among a run's steps (fleet.step_counts): on the hosts and on the controller."""
    return counts['remote'] + counts['local']


def fleet_section(fleet):
    rows = []
    for count, result in sorted(fleet.items(), key=lambda item: int(item[0])):
        rerun, noop = seconds(result['rerun']), seconds(result['noop'])
        steps, noop_steps = result['steps'], result['noop_steps']
        rows.append((result['hosts'], fmt_seconds(seconds(result['converge'])), fmt_seconds(rerun), fmt_seconds(noop),
                     '%s (%s)' % (fmt_ratio(ratio(rerun, noop)), verdict(ratio(rerun, noop),
                                                                         TARGETS['rerun_over_noop'])),
                     '%s / %s' % (writes(result['converge']), writes(result['rerun'])),
                     max(sample['changed'] for sample in result['rerun']),
                     '%d: %d on hosts, %d on the controller, %d without a module, %d skipped' % (
                         sum(steps.values()), steps['remote'], steps['local'], steps['controller'],
                         steps['skipped']),
                     '%d (%d on hosts, %d on the controller)' % (
                         module_steps(noop_steps), noop_steps['remote'], noop_steps['local']),
                     loads(result['converge'] + result['rerun'] + result['noop'])))
    first = next(iter(fleet.values()))
    return '\n\n'.join([
        '## Fleet: site.yml on shipper containers',
        'What is measured: `playbooks/site.yml`, the whole flow, on N shipper containers (Docker, host network; '
        'the fleet scenario\'s image with the real Beats, and its create and prepare plays), going round the '
        'scenario\'s four kinds of host: Heartbeat and Metricbeat with an API key, Metricbeat with a user and '
        'password, Filebeat with a client certificate (PKI realm), Logstash with an API key (authentication modes: '
        '%s). Elasticsearch is a container of the benchmark\'s own (HTTPS, PKI realm, trial licence), as the '
        'scenario starts it. %d forks. The first converge makes everything (the CA excepted; the roles are '
        'removed between sizes), the re-run changes nothing.' % (', '.join(first['auth']), first['forks']),
        'The no-op playbook is the re-run\'s own task count doing nothing: a callback records, per host, each '
        'task result of the re-run (a loop counts each item) as a module run on the host, a module run on the '
        'controller (delegated to localhost), an action without a module (set_fact, assert, include, ...) or a '
        'skipped task; the no-op playbook then runs, per host and in the same order, `ansible.builtin.ping` on the '
        'same side for each module run and a skipped task for the rest, one task per step in lockstep over the '
        'same hosts and connections. Its own recorded module runs are in the table: they match the re-run\'s.',
        table(('hosts', 'first converge', 'idempotent re-run', 'no-op playbook', 're-run / no-op (target 1.3x)',
               'writes (converge / re-run)', 're-run changed', 're-run task results', 'no-op module runs', 'load'),
              rows), list_call_section(fleet)])


def list_call_figures(result):
    """The re-run with its per-host es_api_key tasks replaced by one list call on the controller (both measured,
    the sum estimated), or None for results without the list call."""
    if not result.get('list_call'):
        return None
    rerun = seconds(result['rerun'])
    key_tasks = median([sample['api_key_tasks'] for sample in result['rerun']])
    list_task = median([sample['list_task'] for sample in result['list_call']])
    return dict(rerun=rerun, key_tasks=key_tasks, list_task=list_task, list_play=seconds(result['list_call']),
                estimate=rerun - key_tasks + list_task, noop=seconds(result['noop']))


def list_call_section(fleet):
    rows = []
    for count, result in sorted(fleet.items(), key=lambda item: int(item[0])):
        f = list_call_figures(result)
        if f:
            rows.append((result['hosts'], result['api_key_hosts'], fmt_seconds(f['rerun']), fmt_seconds(f['key_tasks']),
                         '%s (%s with Ansible\'s start)' % (fmt_seconds(f['list_task']), fmt_seconds(f['list_play'])),
                         fmt_seconds(f['estimate']), fmt_ratio(ratio(f['estimate'], f['noop'])),
                         writes(result['list_call'])))
    if not rows:
        return ''
    return '\n\n'.join([
        '### The alternative: one list call for all hosts\' keys',
        'In the re-run each API-key host\'s key is checked by one es_api_key run on the controller, which '
        'authenticates with the secret the host holds. The alternative reads every host\'s key in one request on '
        'the controller and leaves the per-host keystore reads and writes as they are. Measured: the wall-clock '
        'time of the re-run\'s es_api_key tasks (a callback times each task from its start to the next task\'s; '
        'tasks run in lockstep), and one `ansible.builtin.uri` task that reads all active keys of the fleet and '
        'asserts it found every API-key host\'s. Estimated: the re-run with the first replaced by the second.',
        table(('hosts', 'hosts with an API key', 'idempotent re-run', 'its es_api_key tasks', 'one list call',
               're-run with one list call (estimate)', 'estimate / no-op', 'writes of the list call'), rows)])


def fleet_reading(fleet, cpus):
    """How site.yml's time grows with hosts, and whether the per-host module runs dominate its re-run."""
    sizes = sorted(fleet.values(), key=lambda result: result['hosts'])
    growth = ['%d hosts: converge %s, re-run %s per host' % (
        r['hosts'], fmt_seconds(seconds(r['converge']) / r['hosts']), fmt_seconds(seconds(r['rerun']) / r['hosts']))
        for r in sizes]
    shares = ['%d hosts %.0f %%' % (r['hosts'], 100.0 * seconds(r['noop']) / seconds(r['rerun'])) for r in sizes]
    dominate = all(seconds(r['noop']) >= seconds(r['rerun']) / 2.0 for r in sizes)
    first, last = sizes[0], sizes[-1]
    hosts_ratio = last['hosts'] / float(first['hosts'])
    rerun_ratio = ratio(seconds(last['rerun']), seconds(first['rerun']))
    grows = ('From %d to %d hosts (%.0fx) the first converge took %.2fx as long and the re-run %.2fx: %s. '
             % (first['hosts'], last['hosts'], hosts_ratio,
                ratio(seconds(last['converge']), seconds(first['converge'])), rerun_ratio,
                'the hosts run side by side (forks), so time grows slower than the host count'
                if rerun_ratio < 0.75 * hosts_ratio else
                'time grows about as the host count does, since the forks share the %d CPUs' % cpus)
             ) if len(sizes) > 1 else ''
    alternative = [(r['hosts'], list_call_figures(r)) for r in sizes if list_call_figures(r)]
    if alternative:
        grows += ('One list call instead of the per-host es_api_key runs would take the re-run from %s; it would '
                  'see which keys exist, not prove that the secret each host holds authenticates, which is what '
                  'es_api_key\'s current_secret proves. ' % ', '.join(
                      '%s to %s for %d hosts (%s of the no-op playbook)' % (
                          fmt_seconds(f['rerun']), fmt_seconds(f['estimate']), hosts,
                          fmt_ratio(ratio(f['estimate'], f['noop']))) for hosts, f in alternative))
    return ('site.yml on containers, time per host (%s). %sThe no-op playbook, the same module runs doing nothing, '
            'takes this share of the re-run: %s. %s' % (
                '; '.join(growth), grows, ', '.join(shares),
                'Per-host module runs dominate the re-run: starting each module (on the host through the container '
                'connection, or on the controller), not the collection\'s work, is most of its time, %d forks on '
                '%d CPUs.' % (sizes[0]['forks'], cpus) if dominate else
                'Per-host module runs do not dominate: the collection\'s own work is most of the re-run.'))


def summary_section(results):
    rows = []
    scale = results.get('scale') or {}
    overhead = results.get('overhead') or {}
    for kind in ('roles', 'users'):
        if kind in scale:
            ways = scale[kind]['ways']
            for phase in PHASES:
                value = ratio(seconds(ways['list'][phase]), seconds(ways['floor'][phase]))
                rows.append(('%d %s, one list task / floor, %s' % (scale[kind]['count'], kind, PHASE_NAMES[phase]),
                             fmt_ratio(value), own_ratio(ways['list'][phase], overhead.get(kind + '_list'),
                                                         ways['floor'][phase]),
                             'within %.1fx' % TARGETS['list_over_floor'], verdict(value, TARGETS['list_over_floor'])))
    if 'api_keys' in scale:
        ways = scale['api_keys']['ways']
        for phase in PHASES:
            value = ratio(seconds(ways['hosts'][phase]), seconds(ways['floor'][phase]))
            rows.append(('%d API keys, per key, module / floor, %s' % (scale['api_keys']['count'], PHASE_NAMES[phase]),
                         fmt_ratio(value), own_ratio(ways['hosts'][phase], overhead.get('api_keys_hosts'),
                                                     ways['floor'][phase]),
                         'within %.1fx' % TARGETS['key_over_floor'], verdict(value, TARGETS['key_over_floor'])))
    certs = results.get('certs')
    if certs:
        for measure, label in (('per_cert', 'wall-clock'), ('per_cert_cpu', 'CPU')):
            if measure not in certs:
                continue
            f = cert_figures(certs, measure)['all']
            value = ratio(f['openssl'], f['es_cert'])
            rows.append(('%d certificates, openssl / es_cert, %s time' % (f['count'], label), fmt_ratio(value), '',
                         'at least %.0fx' % TARGETS['openssl_over_es_cert'],
                         verdict(value, TARGETS['openssl_over_es_cert'], higher_is_better=True)))
    for count, result in sorted((results.get('fleet') or {}).items(), key=lambda item: int(item[0])):
        value = ratio(seconds(result['rerun']), seconds(result['noop']))
        rows.append(('site.yml, %s shipper containers, re-run / no-op playbook' % count, fmt_ratio(value), '',
                     'within %.1fx' % TARGETS['rerun_over_noop'], verdict(value, TARGETS['rerun_over_noop'])))
    return '\n\n'.join([
        '## Targets',
        '"measured" is the whole run against the floor, Ansible included, which is what the targets ask. '
        '"without Ansible" takes off the time of the same play with the modules replaced by no-ops (see '
        '"Controller overhead"): the collection\'s own time against the floor.',
        table(('figure', 'measured', 'without Ansible', 'target', ''), rows)])


def readings(results):
    """What the figures say, in sentences computed from them."""
    notes = []
    scale, overhead = results.get('scale') or {}, results.get('overhead') or {}
    if 'roles' in scale and 'roles_list' in overhead:
        roles = scale['roles']
        notes.append(
            'Every play pays for Ansible first: the one-task play over %d roles with no-op modules took %s, while '
            'the raw client re-checks the %d roles in %s (one read). No play can bring a no-op re-run within 1.5x of '
            'a raw-client floor; what the collection adds is the "without Ansible" column of the targets.'
            % (roles['count'], fmt_seconds(seconds(overhead['roles_list'])), roles['count'],
               fmt_seconds(seconds(roles['ways']['floor']['noop']))))
    for kind in ('roles', 'users'):
        if kind not in scale:
            continue
        ways, count = scale[kind]['ways'], scale[kind]['count']
        per_item = seconds(ways['loop']['noop']) / scale[kind]['loop_count']
        notes.append(
            '%s: creating %d took %s with one list task and %s with the floor, which sends the same writes one '
            'after the other; a looped task costs %s per item even when it changes nothing (one module run each), '
            '%s the list task\'s no-op re-run for %d.'
            % (kind.capitalize(), count, fmt_seconds(seconds(ways['list']['create'])),
               fmt_seconds(seconds(ways['floor']['create'])), fmt_seconds(per_item),
               fmt_ratio(ratio(per_item * count, seconds(ways['list']['noop']))), count))
    if 'api_keys' in scale:
        keys = scale['api_keys']
        ways, count = keys['ways'], keys['count']
        sentence = ('API keys: one module run per host costs %s per key when nothing changes, against %s for the '
                    'floor\'s read; creating costs the floor %s per key (the server\'s work).'
                    % (fmt_seconds(seconds(ways['hosts']['noop']) / count),
                       fmt_seconds(seconds(ways['floor']['noop']) / count),
                       fmt_seconds(seconds(ways['floor']['create']) / count)))
        if 'api_keys_hosts' in overhead:
            sentence += (' The same play with a no-op module costs %s per key: per-host module runs dominate, '
                         '%d at a time (forks) on %d CPUs.'
                         % (fmt_seconds(seconds(overhead['api_keys_hosts']) / count), keys['forks'],
                            results['machine']['cpus']))
        fleet = results.get('fleet') or {}
        notes.append(sentence + (
            ' The alternative, one call on the controller for all hosts\' keys, is measured in the fleet section.'
            if any(result.get('list_call') for result in fleet.values()) else
            ' The alternative, one call on the controller for all hosts\' keys, was not measured in this run.'))
    fleet = results.get('fleet')
    if fleet:
        notes.append(fleet_reading(fleet, results['machine']['cpus']))
    imported = results.get('imports')
    if imported:
        cpu = dict((name, median(values)) for name, values in imported.items() if name != 'aiohttp_installed')
        sentence = ('Profile of one module run (cProfile of es_role and es_api_key): apart from waiting for the '
                    'server, its largest part is importing the Elasticsearch client, %s of CPU time against %s for '
                    'starting Python and %s for Ansible\'s module support (medians of %d runs).'
                    % (fmt_seconds(cpu['elasticsearch'] - cpu['python']), fmt_seconds(cpu['python']),
                       fmt_seconds(cpu['ansible_basic'] - cpu['python']), len(imported['python'])))
        if imported['aiohttp_installed']:
            sentence += (' aiohttp is installed here (documentation tools bring it), and the client\'s transport '
                         'imports it for its async side, which the modules never use: without it the import takes '
                         '%s. Where it is not installed, module runs are that much cheaper; the collection leaves '
                         'the client\'s imports as they are.'
                         % fmt_seconds(cpu['elasticsearch_without_aiohttp'] - cpu['python']))
        notes.append(sentence)
    return notes


HEADER = '''# Benchmarks

Generated by `tests/bench/run` from its results (`docs/benchmarks.json`, kept beside it); do not edit
by hand. Benchmarks are reports, never timed tests: the figures depend on the machine and on what else
runs on it, so each is the median of its runs and is shown with the load average it was taken at.

Re-run everything (the last run: %(minutes)s; a test node of its own is started on port 9290,
`ESGUARD_ES_PORT` moves it):

```sh
tests/bench/run
tests/bench/run --only round_trips,certs   # some sections; the others keep their last figures
tests/bench/run --repeats 5 --count 200    # more runs per figure, other sizes (see tests/bench/bench.py)
```
'''


def render(results):
    parts = [HEADER % dict(minutes=run_minutes(results)), machine_section(results), summary_section(results)]
    if results.get('round_trips'):
        parts.append(round_trips_section(results['round_trips'], results.get('round_trips_before')))
    if results.get('scale'):
        parts.append(scale_section(results['scale'], results.get('overhead')))
    if results.get('certs'):
        parts.append(certs_section(results['certs']))
    if results.get('overhead'):
        parts.append(overhead_section(results))
    if results.get('fleet'):
        parts.append(fleet_section(results['fleet']))
    notes = readings(results)
    if notes:
        parts.append('## Reading the numbers\n\n' + '\n'.join('- ' + note for note in notes))
    return '\n\n'.join(part.strip() for part in parts) + '\n'


README_BEGIN = '<!-- benchmarks: generated by tests/bench/report.py -->'
README_END = '<!-- benchmarks: end -->'


def readme_summary(results):
    """The README's part: the machine, the targets and the round trips in short, pointing to the report."""
    m = results['machine']
    loads = [results[key]['load_before'] for key in results if key.endswith('_meta')]
    loads += [results[key]['load_after'] for key in results if key.endswith('_meta')]
    lines = ['Last run %s on %d CPUs (%s), load average %.0f to %.0f; Elasticsearch %s on the same machine, %s. '
             'Every figure with its method, runs and load: [docs/benchmarks.md](docs/benchmarks.md).'
             % (run_started(results), m['cpus'], m['cpu_model'], min(loads), max(loads), m['elasticsearch'],
                m['ansible_core'])]
    lines.append(summary_section(results).split('\n\n', 2)[2])
    rt = results.get('round_trips')
    if rt:
        counts = []
        for module, phases in rt.items():
            calls = [str(phases[p]['requests']) for p in PHASES if p in phases] or [str(phases['check']['requests'])]
            counts.append('`%s` %s' % (module, ' / '.join(calls)))
        lines.append('HTTP requests per call (create / update / no-op re-run; the check for '
                     '`es_credential_check`): %s. No-op re-runs send no write.' % '; '.join(counts))
    lines.extend(results.get('run_notes') or [])
    return '\n\n'.join(lines)


def replace_block(text, block):
    """``text`` with what lies between README_BEGIN and README_END replaced by ``block``."""
    start, end = text.index(README_BEGIN) + len(README_BEGIN), text.index(README_END)
    return text[:start] + '\n' + block + '\n' + text[end:]


def main():
    source, target = sys.argv[1:3]
    with open(source) as handle:
        results = json.load(handle)
    with open(target, 'w') as handle:
        handle.write(render(results))
    if len(sys.argv) > 3:
        with open(sys.argv[3]) as handle:
            readme = handle.read()
        with open(sys.argv[3], 'w') as handle:
            handle.write(replace_block(readme, readme_summary(results)))


if __name__ == '__main__':
    main()
