/*
 * GET / and HEAD / (for the rest-root module, which the integ-test
 * distribution lacks): node name, cluster name and uuid, version and tagline,
 * the fields clients read. Beats and Logstash call it before anything else.
 *
 * The REST handler runs the local action cluster:monitor/main, the name the
 * real module uses, so security authorizes it the same way: a user needs the
 * monitor cluster privilege (or one that implies it), otherwise 403.
 */
package esguard.testshim;

import java.io.IOException;
import java.util.List;

import org.elasticsearch.Build;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.TransportAction;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.Metadata;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.index.IndexVersion;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.node.Node;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.action.RestToXContentListener;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.transport.TransportService;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

public final class RootInfo {

    static final ActionType<Response> ACTION = new ActionType<>("cluster:monitor/main");

    private RootInfo() {}

    static final class Request extends ActionRequest {
        @Override
        public ActionRequestValidationException validate() {
            return null;
        }
    }

    static final class Response extends ActionResponse implements ToXContentObject {
        private final String nodeName;
        private final String clusterName;
        private final String clusterUuid;

        Response(String nodeName, String clusterName, String clusterUuid) {
            this.nodeName = nodeName;
            this.clusterName = clusterName;
            this.clusterUuid = clusterUuid;
        }

        @Override
        public void writeTo(StreamOutput out) {
            // The action runs only on the node that received the request.
            throw new UnsupportedOperationException("cluster:monitor/main is local to the node");
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            Build build = Build.current();
            builder.startObject();
            builder.field("name", nodeName);
            builder.field("cluster_name", clusterName);
            builder.field("cluster_uuid", clusterUuid);
            builder.startObject("version");
            builder.field("number", build.qualifiedVersion());
            builder.field("build_flavor", build.flavor());
            builder.field("build_type", build.type().displayName());
            builder.field("build_hash", build.hash());
            builder.field("build_date", build.date());
            builder.field("build_snapshot", build.isSnapshot());
            builder.field("lucene_version", IndexVersion.current().luceneVersion().toString());
            builder.field("minimum_wire_compatibility_version", build.minWireCompatVersion());
            builder.field("minimum_index_compatibility_version", build.minIndexCompatVersion());
            builder.endObject();
            builder.field("tagline", "You Know, for Search");
            return builder.endObject();
        }
    }

    public static final class Transport extends TransportAction<Request, Response> {
        private final String nodeName;
        private final ClusterService clusterService;

        @Inject
        public Transport(Settings settings, TransportService transportService, ActionFilters actionFilters, ClusterService clusterService) {
            super(ACTION.name(), actionFilters, transportService.getTaskManager(), EsExecutors.DIRECT_EXECUTOR_SERVICE);
            this.nodeName = Node.NODE_NAME_SETTING.get(settings);
            this.clusterService = clusterService;
        }

        @Override
        protected void doExecute(Task task, Request request, ActionListener<Response> listener) {
            ClusterState state = clusterService.state();
            String uuid = state.metadata().clusterUUIDCommitted() ? state.metadata().clusterUUID() : Metadata.UNKNOWN_CLUSTER_UUID;
            listener.onResponse(new Response(nodeName, state.getClusterName().value(), uuid));
        }
    }

    static final class Handler extends BaseRestHandler {
        @Override
        public String getName() {
            return "esguard_test_root_info";
        }

        @Override
        public List<Route> routes() {
            return List.of(new Route(RestRequest.Method.GET, "/"), new Route(RestRequest.Method.HEAD, "/"));
        }

        @Override
        protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
            return channel -> client.execute(ACTION, new Request(), new RestToXContentListener<>(channel));
        }
    }
}
