#!/usr/bin/env bash
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Twenty hosts at once, each ensuring its own key: the first run and every re-run must end
# with exactly twenty active keys. Then all twenty share one key name with remove_duplicates:
# no host may invalidate a key whose secret file another host holds.
set -eu
ansible-playbook -i inventory.ini --forks 20 -e @../../integration_config.yml fleet.yml "$@"
