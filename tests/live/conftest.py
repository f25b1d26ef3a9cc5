# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for tests against the real Elasticsearch test node (tests/es/node)."""
import os
import uuid

import pytest
from elasticsearch import Elasticsearch


@pytest.fixture(scope='session')
def es_node():
    """Connection facts of the running test node, from the environment tests/es/node prints."""
    try:
        return {
            'url': os.environ['ESGUARD_ES_URL'],
            'username': os.environ['ESGUARD_ES_USERNAME'],
            'password': os.environ['ESGUARD_ES_PASSWORD'],
            'ca': os.environ['ESGUARD_ES_CA'],
        }
    except KeyError as exc:
        pytest.fail('the test node is not configured: run "eval $(tests/es/node env)" (missing %s)' % exc)


@pytest.fixture(scope='session')
def admin(es_node):
    """A client authenticated as the node's file-realm superuser."""
    client = Elasticsearch(es_node['url'], ca_certs=es_node['ca'],
                           basic_auth=(es_node['username'], es_node['password']))
    yield client
    client.close()


@pytest.fixture
def unique_name():
    """A name no other test uses, so tests can run against a shared node."""
    return 'esguard-test-%s' % uuid.uuid4().hex[:12]
