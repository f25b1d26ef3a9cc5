# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fifty hosts with fifty forks converge per-host credentials; a second run starts while the first goes on."""
import time
import uuid

from conftest import PLAYS
from test_faults import authenticates

HOSTS = 50
BOUND_SECONDS = 600


def test_fifty_hosts_leave_one_key_each_on_a_run_and_on_a_rerun_started_while_it_goes_on(suite, node, secrets):
    prefix = 'esguard-rel-fleet-%s' % uuid.uuid4().hex[:8]
    key_dir = suite.work / 'fleet'
    key_dir.mkdir()
    inventory = suite.inputs / 'fleet.ini'
    inventory.write_text('[fleet]\nhost[01:%02d]\n\n[fleet:vars]\nansible_connection=local\n' % HOSTS)
    extra = dict(prefix=prefix, key_dir=str(key_dir),
                 user_password=secrets.add('the fleet users\' password', 'Fleet-%s' % uuid.uuid4().hex))
    start = time.monotonic()
    first = suite.play(PLAYS / 'fleet.yml', 'fleet-first', inventory=str(inventory), extra_vars=extra,
                       forks=HOSTS, background=True, timeout=BOUND_SECONDS)
    # The re-run starts once the first run is creating keys, at that task: both runs ensure each host's key at once.
    while 'TASK [The host\'s API key]' not in first.path.read_text(errors='replace'):
        assert first.process.poll() is None, first.path.read_text()[-3000:]
        assert time.monotonic() - start < BOUND_SECONDS
        time.sleep(0.2)
    second = suite.play(PLAYS / 'fleet.yml', 'fleet-second', inventory=str(inventory), extra_vars=extra,
                        forks=HOSTS, background=True, timeout=BOUND_SECONDS,
                        options=['--start-at-task', "The host's API key"])
    (first_rc, first_output), (second_rc, second_output) = first.wait(), second.wait()
    elapsed = time.monotonic() - start
    assert first_rc == 0, first_output[-3000:]
    assert second_rc == 0, second_output[-3000:]

    keys = node.active_keys(prefix + '-*')
    names = sorted(key['name'] for key in keys)
    assert names == sorted('%s-host%02d' % (prefix, n) for n in range(1, HOSTS + 1))
    for n in range(1, HOSTS + 1):
        assert authenticates(node, key_dir / ('host%02d' % n))
    users = [name for name in node.get('/_security/user') if name.startswith(prefix)]
    assert len(users) == len(set(users)) == HOSTS
    roles = [name for name in node.get('/_security/role') if name.startswith(prefix)]
    assert roles == [prefix + '-shipper']
    assert elapsed < BOUND_SECONDS
    print('load held: %d hosts, %d forks, two overlapping runs, %.0f s' % (HOSTS, HOSTS, elapsed))
