package mmdigits.common.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Checks a service's {@link KafkaAccess} needs against what the broker lets its Kafka user do, with
 * the broker's own answers: the operations it says this user may do on each topic and group
 * (KIP-430's authorized operations), and whether the user may see its transactional id and a group
 * that does not exist yet (DESCRIBE, which WRITE and READ imply: the only ACLs this project grants
 * on those). A missing ACL is reported as such — the user, the resource, the operation and why the
 * service needs it — instead of surfacing later as a producer that never starts or a consumer that
 * logs at DEBUG.
 */
public final class KafkaAccessCheck {
    /** A need the broker refused, or a topic that does not exist (yet). */
    public record Finding(KafkaAccess.Need need, boolean missingTopic, String message) {}

    private static final Pattern USERNAME = Pattern.compile("username=\"([^\"]*)\"");

    private KafkaAccessCheck() {}

    /**
     * The needs the broker does not grant (empty: all granted); topics that do not exist are
     * findings with {@code missingTopic} set.
     *
     * @param instanceId completes prefixed transactional ids and groups (an example name to ask
     *     about)
     * @throws Exception when the broker does not answer within {@code timeout}
     */
    public static List<Finding> check(
            Admin admin,
            String user,
            List<KafkaAccess.Need> needs,
            String instanceId,
            Duration timeout)
            throws Exception {
        List<Finding> findings = new ArrayList<>();
        topics(admin, user, needs, timeout, findings);
        groups(admin, user, needs, timeout, findings);
        transactionalIds(admin, user, needs, instanceId, timeout, findings);
        return findings;
    }

    /** The SCRAM/PLAIN user of the connection settings, or a phrase when there is none. */
    public static String user(Map<String, Object> connection) {
        Object jaas = connection.get(SaslConfigs.SASL_JAAS_CONFIG);
        if (jaas != null) {
            Matcher m = USERNAME.matcher(String.valueOf(jaas));
            if (m.find()) {
                return m.group(1);
            }
        }
        return "(no SASL user)";
    }

    private static void topics(
            Admin admin,
            String user,
            List<KafkaAccess.Need> needs,
            Duration timeout,
            List<Finding> findings)
            throws Exception {
        List<KafkaAccess.Need> topicNeeds = of(needs, ResourceType.TOPIC);
        List<String> names = topicNeeds.stream().map(KafkaAccess.Need::name).distinct().toList();
        var result =
                admin.describeTopics(
                        names, new DescribeTopicsOptions().includeAuthorizedOperations(true));
        for (String name : names) {
            Set<AclOperation> allowed;
            try {
                TopicDescription d =
                        result.topicNameValues()
                                .get(name)
                                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                allowed = d.authorizedOperations();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    need(topicNeeds, name)
                            .forEach(
                                    n ->
                                            findings.add(
                                                    new Finding(
                                                            n,
                                                            true,
                                                            "topic '"
                                                                    + name
                                                                    + "' does not exist")));
                    continue;
                }
                if (!(e.getCause() instanceof AuthorizationException)) {
                    throw e;
                }
                allowed = Set.of();
            }
            refused(user, need(topicNeeds, name), allowed, findings);
        }
    }

    private static void groups(
            Admin admin,
            String user,
            List<KafkaAccess.Need> needs,
            Duration timeout,
            List<Finding> findings)
            throws Exception {
        for (KafkaAccess.Need n : of(needs, ResourceType.GROUP)) {
            Set<AclOperation> allowed;
            try {
                ConsumerGroupDescription d =
                        admin.describeConsumerGroups(
                                        List.of(n.name()),
                                        new DescribeConsumerGroupsOptions()
                                                .includeAuthorizedOperations(true))
                                .describedGroups()
                                .get(n.name())
                                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                allowed = d.authorizedOperations();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof GroupIdNotFoundException) {
                    // said only to a user who may see the group (DESCRIBE, which READ implies);
                    // what more it may do shows once the group exists
                    continue;
                }
                if (!(e.getCause() instanceof AuthorizationException)) {
                    throw e;
                }
                allowed = Set.of();
            }
            refused(user, List.of(n), allowed, findings);
        }
    }

    /**
     * The broker tells whether a transactional id exists only to a user who may see it (DESCRIBE,
     * which WRITE implies): refused means no ACL for it.
     */
    private static void transactionalIds(
            Admin admin,
            String user,
            List<KafkaAccess.Need> needs,
            String instanceId,
            Duration timeout,
            List<Finding> findings)
            throws Exception {
        for (KafkaAccess.Need n : of(needs, ResourceType.TRANSACTIONAL_ID)) {
            String id =
                    n.pattern() == PatternType.PREFIXED ? n.name() + "-" + instanceId : n.name();
            try {
                admin.describeTransactions(List.of(id))
                        .description(id)
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof AuthorizationException) {
                    refused(user, List.of(n), Set.of(), findings);
                } else if (!(e.getCause() instanceof TransactionalIdNotFoundException)) {
                    throw e;
                }
            }
        }
    }

    private static void refused(
            String user,
            Collection<KafkaAccess.Need> needs,
            Set<AclOperation> allowed,
            List<Finding> findings) {
        for (KafkaAccess.Need n : needs) {
            if (allowed == null
                    || allowed.contains(n.operation())
                    || allowed.contains(AclOperation.ALL)) {
                continue; // null: the broker did not say (an older broker): nothing to judge
            }
            findings.add(
                    new Finding(
                            n,
                            false,
                            "Kafka user '"
                                    + user
                                    + "' may not "
                                    + n.describe()
                                    + " (it needs an ACL in deploy/base/kafka-users.yaml: "
                                    + n.why()
                                    + ")"));
        }
    }

    private static List<KafkaAccess.Need> of(List<KafkaAccess.Need> needs, ResourceType type) {
        return needs.stream().filter(n -> n.type() == type).toList();
    }

    private static List<KafkaAccess.Need> need(List<KafkaAccess.Need> needs, String name) {
        return needs.stream().filter(n -> n.name().equals(name)).toList();
    }
}
