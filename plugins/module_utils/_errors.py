# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The base of every error that refuses a module's input before anything is written."""

from __future__ import annotations


class InputError(ValueError):
    """Input that cannot work, found before any request is sent or any file is written.

    The message is one line that names the problem and never carries a secret.
    """
