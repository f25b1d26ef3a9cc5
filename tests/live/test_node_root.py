"""GET / answers as on a real Elasticsearch: Beats and Logstash call it before anything else."""
import os

import pytest
from elasticsearch import AuthorizationException, Elasticsearch


def _client_as(es_node, username, password):
    return Elasticsearch(es_node['url'], ca_certs=es_node['ca'], basic_auth=(username, password),
                         retry_on_timeout=False, max_retries=0)


@pytest.fixture
def user_with_cluster_privileges(admin, es_node, unique_name):
    """A native user made with the given cluster privileges, as a client."""
    made = []

    def make(cluster):
        name = '%s-%d' % (unique_name, len(made))
        admin.security.put_role(name=name, cluster=cluster,
                                indices=[{'names': ['esguard-test-*'], 'privileges': ['create_doc']}])
        admin.security.put_user(username=name, password='pw-' + name, roles=[name])
        made.append(name)
        return _client_as(es_node, name, 'pw-' + name)
    yield make
    for name in made:
        admin.security.delete_user(username=name)
        admin.security.delete_role(name=name)


def test_root_answers_node_cluster_version_and_tagline(admin):
    info = admin.info()
    assert info.meta.status == 200
    # The Python client checks this header on every answer, as the Beats do on this one.
    assert info.meta.headers['X-Elastic-Product'] == 'Elasticsearch'
    assert info['name'] == 'node-1'
    assert info['cluster_name'] == 'esguard-test'
    assert len(info['cluster_uuid']) == 22
    assert info['tagline'] == 'You Know, for Search'
    version = info['version']
    assert version['number'] == os.environ.get('ESGUARD_ES_VERSION', '8.19.21')
    assert version['build_flavor'] == 'default'
    assert version['build_snapshot'] is False
    assert version['lucene_version'].count('.') == 2
    assert version['minimum_wire_compatibility_version'] and version['minimum_index_compatibility_version']
    assert admin.cluster.state(metric='metadata')['cluster_uuid'] == info['cluster_uuid']


def test_root_answers_head(admin):
    assert admin.ping()


def test_root_needs_the_monitor_privilege(user_with_cluster_privileges):
    assert user_with_cluster_privileges(['monitor']).info()['tagline'] == 'You Know, for Search'
    without_monitor = user_with_cluster_privileges(['manage_own_api_key'])
    with pytest.raises(AuthorizationException) as error:
        without_monitor.info()
    assert error.value.meta.status == 403
    assert 'cluster:monitor/main' in str(error.value)
