# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The benchmark report's arithmetic and the counting proxy's classification of requests.

The figures in docs/benchmarks.md are only as honest as the medians, ratios, scaling and
target verdicts computed here, and the "no write" claim as the proxy's idea of a write.
"""
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'bench'))

import fleet  # noqa: E402
import proxy  # noqa: E402
import report  # noqa: E402


def samples(*values, load=1.0, writes=0):
    return [dict(seconds=value, load=load, writes=writes) for value in values]


def test_median_of_odd_and_even_counts():
    assert report.median([3, 1, 2]) == 2
    assert report.median([4, 1, 3, 2]) == 2.5
    with pytest.raises(ValueError):
        report.median([])


def test_seconds_is_the_median_not_the_mean():
    assert report.seconds(samples(1.0, 100.0, 2.0)) == 2.0


def test_loads_and_writes_show_a_range_only_when_samples_differ():
    assert report.loads(samples(1, 2, load=3.04)) == '3.0'
    assert report.loads(samples(1, load=1.0) + samples(1, load=4.26)) == '1.0-4.3'
    assert report.writes(samples(1, 2, writes=200)) == '200'
    assert report.writes(samples(1, writes=0) + samples(1, writes=3)) == '0-3'


@pytest.mark.parametrize('method, path, write', [
    ('GET', '/_security/role/a', False),
    ('HEAD', '/', False),
    ('POST', '/_security/user/_has_privileges', False),
    ('POST', '/_security/user/_has_privileges?pretty', False),
    ('POST', '/.security/_search', False),
    ('POST', '/_security/api_key', True),
    ('POST', '/_security/user/a/_password', True),
    ('PUT', '/_security/role/a', True),
    ('DELETE', '/_security/api_key', True),
])
def test_what_the_proxy_counts_as_a_write(method, path, write):
    assert proxy.is_write(method, path) is write


def test_request_shapes_leave_names_out_so_counts_add_up():
    recorded = [('GET', '/_security/role/a'), ('GET', '/_security/role/b'), ('PUT', '/_security/user/u/_password'),
                ('GET', '/_security/privilege/_builtin')]
    counted = proxy.summary(recorded)
    assert counted['requests'] == 4 and counted['writes'] == 1
    assert counted['by_request'] == {'GET /_security/role/{name}': 2, 'PUT /_security/user/{name}/_password': 1,
                                     'GET /_security/privilege/_builtin': 1}


def phases(create, update, noop, writes=(0, 0, 0)):
    return dict(create=samples(create, writes=writes[0]), update=samples(update, writes=writes[1]),
                noop=samples(noop, writes=writes[2]))


def results():
    kind = dict(count=200, loop_count=50, ways=dict(
        list=phases(6.0, 3.0, 2.0, (200, 200, 0)), floor=phases(4.0, 3.0, 1.0, (200, 200, 0)),
        loop=phases(50.0, 50.0, 50.0)))
    return dict(
        machine=dict(cpus=2, cpu_model='cpu', memory_gib=4, kernel='k', python='3.11', ansible_core='core 2.19',
                     elasticsearch_client='8.19', cryptography='48', openssl='OpenSSL 3', elasticsearch='8.19.21',
                     started='now'),
        scale=dict(roles=kind, api_keys=dict(count=10, forks=5, ways=dict(
            hosts=phases(10.0, 10.0, 10.0), floor=phases(5.0, 1.0, 1.0)))),
        certs=dict(count=4, per_cert=dict(es_cert=dict(ec_p256=[0.001, 0.001], rsa_2048=[0.05, 0.07]),
                                          openssl=dict(ec_p256=[0.02, 0.02], rsa_2048=[0.3, 0.3])),
                   per_cert_cpu=dict(es_cert=dict(ec_p256=[0.001, 0.001], rsa_2048=[0.04, 0.058]),
                                     openssl=dict(ec_p256=[0.05, 0.05], rsa_2048=[0.15, 0.15])),
                   looped=dict(count=2, samples=samples(2.0), noop_samples=samples(1.8))),
        fleet={'4': dict(hosts=4, forks=5, auth=['api_key', 'basic'], converge=samples(20.0, writes=30),
                         rerun=[dict(seconds=12.0, load=1.0, writes=0, changed=0, api_key_tasks=4.0)],
                         noop=samples(10.0), api_key_hosts=2,
                         list_call=[dict(seconds=3.0, load=1.0, writes=0, changed=0, list_task=0.5)],
                         steps=dict(remote=40, local=8, controller=50, skipped=30),
                         noop_steps=dict(remote=40, local=8, controller=0, skipped=80))})


def test_target_verdicts_follow_the_ratios():
    text = report.summary_section(results())
    lines = dict((line.split(' | ')[0].strip('| '), line) for line in text.splitlines() if line.startswith('| '))
    assert '1.50x' in lines['200 roles, one list task / floor, create'] and 'met' in lines[
        '200 roles, one list task / floor, create']
    assert '2.00x' in lines['200 roles, one list task / floor, no-op re-run']
    assert lines['200 roles, one list task / floor, no-op re-run'].endswith('| missed |')
    assert lines['10 API keys, per key, module / floor, update'].endswith('| missed |')
    # openssl 0.64 s against es_cert 0.122 s: 5.2 times faster, at least 5x wanted.
    assert '5.25x' in lines['4 certificates, openssl / es_cert, wall-clock time']
    assert lines['4 certificates, openssl / es_cert, wall-clock time'].endswith('| met |')
    # In CPU time openssl took 0.4 s against es_cert's 0.1 s: 4 times, short of 5.
    assert lines['4 certificates, openssl / es_cert, CPU time'].endswith('| missed |')
    assert lines['site.yml, 4 shipper containers, re-run / no-op playbook'].endswith('| met |')


def test_the_looped_task_is_scaled_from_its_items_to_the_full_count():
    rows = report.scale_rows('roles', results()['scale']['roles'], None)
    loop = next(row for row in rows if row[0].startswith('looped'))
    # 50 s for 50 items, 200 items: 200 s, 50 times the 4 s floor.
    assert loop[1].startswith('200.0 s (50x')


def test_the_whole_report_renders_every_section():
    text = report.render(results())
    for heading in ('## The machine', '## Targets', '## Scale: roles and users', '### 10 API keys',
                    '## Certificates', '## Fleet'):
        assert heading in text


def test_own_ratio_takes_off_the_no_op_play():
    # 6 s with the modules, 2 s with no-ops, a 4 s floor: the collection's own time is the floor's.
    assert report.own_ratio(samples(6.0), samples(2.0, 2.0), samples(4.0)) == '1.00x'
    assert report.own_ratio(samples(6.0), None, samples(4.0)) == ''
    assert report.own_ratio(samples(2.0), samples(2.5), samples(4.0)) == 'within the noise'


def test_round_trips_show_before_and_after_only_where_the_count_changed():
    counted = dict(requests=1, writes=0, by_request={'GET /_security/role/{name}': 1}, seconds=1.0)
    wrote = dict(requests=2, writes=1, by_request={'GET /_security/role/{name}': 1, 'PUT /_security/role/{name}': 1},
                 seconds=1.0)
    now = {'es_role': dict(create=wrote, update=wrote, noop=counted)}
    before = {'es_role': dict(create=wrote, update=wrote, noop=dict(counted, requests=2))}
    text = report.round_trips_section(now, before)
    assert '| es_role | no-op re-run | 2 | 1 |' in text
    assert '| es_role | create | 2 | 2 |' not in text
    assert 'requests before' not in report.round_trips_section(now, now)


def test_the_readme_block_is_replaced_and_the_rest_kept():
    readme = 'before\n%s\nold figures\n%s\nafter\n' % (report.README_BEGIN, report.README_END)
    replaced = report.replace_block(readme, 'new figures')
    assert replaced == 'before\n%s\nnew figures\n%s\nafter\n' % (report.README_BEGIN, report.README_END)


def test_the_readme_summary_names_the_machine_and_the_targets():
    data = dict(results(), certs_meta=dict(seconds=1, load_before=2.0, load_after=7.4))
    text = report.readme_summary(data)
    assert 'on 2 CPUs (cpu)' in text and 'load average 2 to 7' in text
    assert '| site.yml, 4 shipper containers, re-run / no-op playbook |' in text


def test_overhead_without_the_scale_section_shows_the_no_op_times_alone():
    text = report.overhead_section(dict(overhead=dict(roles_list=samples(2.0, 4.0))))
    assert '| roles, one list task | not measured in this run | 3.00 s |' in text


def test_the_fleet_row_shows_writes_changes_and_both_runs_module_counts():
    text = report.fleet_section(results()['fleet'])
    assert ('| 4 | 20.0 s | 12.0 s | 10.0 s | 1.20x (met) | 30 / 0 | 0 | 128: 40 on hosts, 8 on the controller, '
            '50 without a module, 30 skipped | 48 (40 on hosts, 8 on the controller) |') in text
    assert 'api_key, basic' in text


def test_the_fleet_reading_says_whether_module_runs_dominate():
    fleet_results = results()['fleet']
    assert 'Per-host module runs dominate' in report.fleet_reading(fleet_results, 2)
    fleet_results['4']['noop'] = samples(5.0)
    assert 'do not dominate' in report.fleet_reading(fleet_results, 2)
    assert '4 hosts: converge 5.00 s, re-run 3.00 s per host' in report.fleet_reading(fleet_results, 2)
    assert 'From 4' not in report.fleet_reading(fleet_results, 2)
    fleet_results['16'] = dict(fleet_results['4'], hosts=16, converge=samples(40.0), rerun=samples(18.0),
                               list_call=None)
    assert ('From 4 to 16 hosts (4x) the first converge took 2.00x as long and the re-run 1.50x: the hosts run '
            'side by side' in report.fleet_reading(fleet_results, 2))
    fleet_results['16']['rerun'] = samples(46.0)
    assert 'the re-run 3.83x: time grows about as the host count does' in report.fleet_reading(fleet_results, 2)


MIXED = {'all': {'children': {
    'elasticsearch': {'hosts': {'esguard-es': None}},
    'beats': {'hosts': {'a': {'beats': ['heartbeat'], 'esguard_auth': 'api_key'},
                        'b': {'beats': ['filebeat'], 'esguard_auth': 'pki'}}},
    'logstash': {'hosts': {'c': {'esguard_auth': 'basic'}}}}}}


def test_the_fleet_inventory_goes_round_the_scenario_hosts_kinds():
    kinds = fleet.shipper_kinds(MIXED)
    assert [group for group, variables in kinds] == ['beats', 'beats', 'logstash']
    inventory = fleet.fleet_inventory(4, kinds, 'esguard-bench-')
    children = inventory['all']['children']
    assert 'elasticsearch' not in children
    assert children['beats']['hosts'] == {
        'esguard-bench-4-00': {'beats': ['heartbeat'], 'esguard_auth': 'api_key'},
        'esguard-bench-4-01': {'beats': ['filebeat'], 'esguard_auth': 'pki'},
        'esguard-bench-4-03': {'beats': ['heartbeat'], 'esguard_auth': 'api_key'}}
    assert children['logstash']['hosts'] == {'esguard-bench-4-02': {'esguard_auth': 'basic'}}
    assert sorted(fleet.inventory_hosts(inventory)) == ['esguard-bench-4-%02d' % i for i in range(4)]
    # Fleets of different sizes never share a host (nor a container name).
    assert not set(fleet.inventory_hosts(inventory)) & set(fleet.inventory_hosts(fleet.fleet_inventory(8, kinds)))


@pytest.mark.parametrize('action, delegated, skipped, kind', [
    ('ansible.builtin.copy', None, False, 'remote'),
    ('esguard.security.es_api_key', {'ansible_host': 'localhost', 'ansible_connection': 'local'}, False, 'local'),
    ('esguard.security.es_role', {'ansible_delegated_host': 'localhost'}, False, 'local'),
    ('esguard.security.es_cert', {'ansible_host': '127.0.0.1'}, False, 'local'),
    ('ansible.builtin.set_fact', None, False, 'controller'),
    ('include_role', {'ansible_connection': 'local'}, False, 'controller'),
    ('ansible.builtin.stat', {'ansible_host': 'esguard-bench-4-00',
                              'ansible_connection': 'community.docker.docker'}, False, 'remote'),
    ('ansible.builtin.copy', None, True, 'skipped'),
])
def test_each_task_result_is_classed_by_where_its_module_ran(action, delegated, skipped, kind):
    assert fleet.step_kind(action, delegated, skipped) == kind


def test_the_no_op_playbook_repeats_each_host_steps_in_order():
    steps = {'h1': ['remote', 'controller', 'local'], 'h2': ['skipped']}
    assert fleet.step_counts(steps) == dict(remote=1, local=1, controller=1, skipped=1)
    play, = fleet.noop_playbook(steps)
    assert play['hosts'] == 'h1:h2' and play['vars'] == dict(bench_steps=steps)
    assert len(play['tasks']) == 3 and all('ansible.builtin.ping' in task for task in play['tasks'])
    # What each host does at each step, evaluated as Ansible would (step 3 of h2 is past its steps).
    from jinja2 import Environment
    jinja = Environment()
    for host, kinds in steps.items():
        for index, task in enumerate(play['tasks']):
            variables = dict(bench_steps=steps, inventory_hostname=host)
            runs = jinja.compile_expression(task['when'])(**variables)
            target = jinja.from_string(task['delegate_to']).render(**variables)
            kind = kinds[index] if index < len(kinds) else 'skipped'
            assert runs == (kind in ('remote', 'local'))
            assert target == ('localhost' if kind == 'local' else host)


def test_a_run_s_time_in_one_action_counts_only_tasks_that_ran():
    task_times = [['esguard.security.es_api_key', 4.0, 2], ['ansible.builtin.set_fact', 0.5, 2],
                  ['esguard.security.es_api_key', 1.25, 0], ['es_api_key', 0.75, 1]]
    assert fleet.action_seconds(task_times, 'es_api_key') == 4.75
    assert fleet.action_seconds(task_times, 'uri') == 0


def test_the_list_call_reads_the_fleet_s_active_keys_once_and_checks_it_found_them():
    play, = fleet.list_call_playbook('https://127.0.0.1:9291', 'esguard-bench-4-*', 2)
    assert play['hosts'] == 'localhost'
    read, check = play['tasks']
    assert read['ansible.builtin.uri']['url'] == (
        'https://127.0.0.1:9291/_security/api_key?active_only=true&name=esguard-bench-4-*')
    assert "'ELASTICSEARCH_CA_CERTS'" in read['ansible.builtin.uri']['ca_path']
    assert check['ansible.builtin.assert']['that'] == ['bench_keys.json.api_keys | length >= 2']


def test_the_alternative_replaces_the_re_run_s_key_tasks_by_the_list_call():
    fleet_results = results()['fleet']
    text = report.fleet_section(fleet_results)
    assert '| 4 | 2 | 12.0 s | 4.00 s | 0.50 s (3.00 s with Ansible\'s start) | 8.50 s | 0.85x | 0 |' in text
    assert 'from 12.0 s to 8.50 s for 4 hosts (0.85x of the no-op playbook)' in report.fleet_reading(fleet_results, 2)
    del fleet_results['4']['list_call']
    assert 'one list call' not in report.fleet_section(fleet_results)


def test_the_steps_callback_times_each_task_until_the_next_starts(tmp_path, monkeypatch):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'bench' / 'callback_plugins'))
    import bench_steps  # pylint: disable=import-outside-toplevel
    monkeypatch.setenv('ESGUARD_BENCH_STEPS', str(tmp_path / 'steps.json'))
    monkeypatch.setenv('ESGUARD_BENCH_TASKS', str(tmp_path / 'tasks.json'))

    class Task:
        def __init__(self, action):
            self.action, self.delegate_to = action, None

    class Host:
        def get_name(self):
            return 'h1'

    class Result:
        def __init__(self, task):
            self._task, self._host, self._result = task, Host(), {}

    callback = bench_steps.CallbackModule()
    key, skipped = Task('esguard.security.es_api_key'), Task('ansible.builtin.copy')
    callback.v2_playbook_on_task_start(key, False)
    callback.v2_runner_on_ok(Result(key))
    callback.v2_playbook_on_task_start(skipped, False)
    callback.v2_runner_on_skipped(Result(skipped))
    callback.v2_playbook_on_stats(None)
    tasks = json.loads((tmp_path / 'tasks.json').read_text())
    assert [[action, ran] for action, dummy, ran in tasks] == [['esguard.security.es_api_key', 1],
                                                               ['ansible.builtin.copy', 0]]
    assert json.loads((tmp_path / 'steps.json').read_text()) == {'h1': ['remote', 'skipped']}


def test_the_certificate_bench_gives_es_cert_s_plan_every_option_it_reads(tmp_path, monkeypatch):
    # The collection importable under its own name, as tests/bench/run provides it.
    root = tmp_path / 'collections' / 'ansible_collections' / 'esguard'
    root.mkdir(parents=True)
    (root / 'security').symlink_to(Path(__file__).resolve().parents[2])
    monkeypatch.syspath_prepend(str(tmp_path / 'collections'))
    import bench_es_cert  # pylint: disable=import-outside-toplevel
    directory = tmp_path / 'certs'
    directory.mkdir()
    bench_es_cert.make_ca(str(directory))
    timings = bench_es_cert.bench_es_cert(str(directory), 2)
    assert [len(timings.wall[key_type]) for key_type in bench_es_cert.KEY_TYPES] == [1, 1]
    assert sorted(path.name for path in directory.iterdir() if path.name.startswith('leaf-0000')) == [
        'leaf-0000.chain.pem', 'leaf-0000.crt', 'leaf-0000.key']


def test_the_report_says_how_long_the_run_took_and_when_it_started():
    data = dict(results(), scale_meta=dict(seconds=1720, load_before=1.5, load_after=0.9, started='2026-01-02 09:07 UTC'),
                fleet_meta=dict(seconds=1500, load_before=0.5, load_after=3.0, started='2026-01-02 10:00 UTC'),
                certs_meta=dict(seconds=60, load_before=0.5, load_after=1.0))
    text = report.render(data)
    assert 'the last run: 55 minutes, scale 29, fleet 25;' in text
    assert '| run started | 2026-01-02 09:07 UTC |' in text
    assert '| section fleet | 2026-01-02 10:00 UTC, 1500 s, load average 0.5 before, 3.0 after |' in text
    assert report.readme_summary(data).startswith('Last run 2026-01-02 09:07 UTC on 2 CPUs')
