/*
 * The test-only module's plugin for Elasticsearch 9.x: TestShimBase plus GET / (RootInfo),
 * registered through the 9.x action and REST handler signatures.
 */
package esguard.testshim;

import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.rest.RestHandler;

public class TestShimPlugin extends TestShimBase {

    @Override
    public Collection<ActionHandler> getActions() {
        return List.of(new ActionHandler(RootInfo.ACTION, RootInfo.Transport.class));
    }

    @Override
    public Collection<RestHandler> getRestHandlers(
        RestHandlersServices services,
        Supplier<DiscoveryNodes> nodesInCluster,
        Predicate<NodeFeature> clusterSupportsFeature
    ) {
        return List.of(new RootInfo.Handler());
    }
}
