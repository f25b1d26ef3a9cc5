# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Records, per host, the kind of each task result of a run (see fleet.step_kind) as JSON in the file
ESGUARD_BENCH_STEPS names: what the benchmark's no-op playbook repeats doing nothing. When
ESGUARD_BENCH_TASKS names a file too, each task's wall-clock time goes there (see fleet.action_seconds)."""
from __future__ import annotations

import json
import os
import sys
import time

from ansible.plugins.callback import CallbackBase

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import fleet  # noqa: E402  pylint: disable=wrong-import-position


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_steps'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.steps = {}
        # [action, seconds, results that ran] per task, and the task under way: (action, start, results that ran).
        self.task_times = []
        self.current = None

    def task_started(self, task):
        self.task_ended()
        self.current = [task.action, time.monotonic(), 0]

    def task_ended(self):
        # Tasks run in lockstep (the linear strategy): a task ends when the next one, or the play, starts.
        if self.current:
            action, start, ran = self.current
            self.task_times.append([action, round(time.monotonic() - start, 3), ran])
            self.current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.task_started(task)

    def v2_playbook_on_handler_task_start(self, task):
        self.task_started(task)

    def v2_playbook_on_play_start(self, play):
        self.task_ended()

    def record(self, result, skipped):
        task_result = result._result  # pylint: disable=protected-access
        action = result._task.action  # pylint: disable=protected-access
        host = result._host.get_name()  # pylint: disable=protected-access
        # A loop's result carries no delegated host's variables: its task names the host.
        delegate_to = result._task.delegate_to  # pylint: disable=protected-access
        delegated = task_result.get('_ansible_delegated_vars') or (
            dict(ansible_delegated_host=delegate_to) if delegate_to else None)
        items = task_result.get('results') if isinstance(task_result.get('results'), list) else None
        kinds = self.steps.setdefault(host, [])
        if items is None:
            kinds.append(fleet.step_kind(action, delegated, skipped))
            return
        for item in items:
            item_delegated = item.get('_ansible_delegated_vars') or delegated
            kinds.append(fleet.step_kind(action, item_delegated, skipped or item.get('skipped', False)))

    def v2_runner_on_ok(self, result):
        self.record(result, False)
        if self.current:
            self.current[2] += 1

    def v2_runner_on_skipped(self, result):
        self.record(result, True)

    def v2_playbook_on_stats(self, stats):
        self.task_ended()
        with open(os.environ['ESGUARD_BENCH_STEPS'], 'w') as handle:
            json.dump(self.steps, handle)
        if os.environ.get('ESGUARD_BENCH_TASKS'):
            with open(os.environ['ESGUARD_BENCH_TASKS'], 'w') as handle:
                json.dump(self.task_times, handle)
