# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a run changes in a shipper's keystore (Beats or Logstash), and what it reads from it.

Both keystore modules decide here; the file formats stay in their own module_utils. Plans and
diffs name keys, never values.
"""

from __future__ import annotations

import hmac

# The option both keystore modules take to read values for a decision made elsewhere.
READ_VALUES_OPTION = dict(type='list', elements='str')


class EntryPlan(object):
    """The entries to add, update and remove, the entries to write, and whether the file is created."""

    def __init__(self, current, wanted, exclusive=False, remove=(), create=True):
        """current: key -> bytes of the existing keystore, None when there is none.

        wanted: key -> bytes to set; remove: keys to take out; exclusive: also take out every key not
        wanted; create: make a missing keystore (a run that only reads creates nothing).
        """
        existing = current or {}
        self.existing = existing
        self.created = current is None and create
        self.added = sorted(key for key in wanted if key not in existing)
        # compare_digest: how long the comparison takes tells nothing about a value.
        self.updated = sorted(key for key in wanted
                              if key in existing and not hmac.compare_digest(existing[key], wanted[key]))
        self.removed = sorted(key for key in existing if key in remove or (exclusive and key not in wanted))
        self.after = dict((key, value) for key, value in existing.items() if key not in self.removed)
        self.after.update(wanted)
        self.changed = bool(self.created or self.added or self.updated or self.removed)

    def diff(self, path):
        """before/after listing key names; a key whose value changes is marked, a value never shows."""
        return {
            'before_header': '%s (absent)' % path if self.created else '%s (keys)' % path,
            'after_header': '%s (keys)' % path,
            'before': ''.join('%s\n' % key for key in sorted(self.existing)),
            'after': ''.join('%s%s\n' % (key, ' (new value)' if key in self.updated else '')
                             for key in sorted(self.after)),
        }


def read_only(params):
    """Whether a keystore module only reads: values asked for, nothing to set."""
    return params['read_values'] is not None and params['entries'] is None


def current_values(current, names, stored_name=lambda name: name):
    """The values the keystore holds for ``names`` (as text, by the name asked), from before the run.

    ``stored_name`` maps a name to the key it is stored under (Logstash keeps keys in lower case).
    Names the keystore lacks are left out, so a task can tell "none held" from an empty value.
    """
    existing = current or {}
    return dict((name, existing[stored_name(name)].decode('utf-8', 'replace'))
                for name in names or [] if stored_name(name) in existing)
