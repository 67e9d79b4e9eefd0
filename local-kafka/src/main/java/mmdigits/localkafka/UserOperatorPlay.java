package mmdigits.localkafka;

import static mmdigits.localkafka.TopicOperatorPlay.get;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import mmdigits.localkafka.StrimziResources.User;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.ResourcePatternFilter;

/**
 * Strimzi's User Operator, played once: every {@code KafkaUser} with SCRAM-SHA-512 authentication
 * gets a credential (a random password the first time, the one in its file afterwards) and a file
 * {@code <user>.jaas} with its {@code sasl.jaas.config}, as the operator writes the user's Secret;
 * its ACLs become exactly those the resource lists. Users the resources no longer list lose their
 * ACLs, credential and file, as when a {@code KafkaUser} is deleted. The super users are not the
 * operator's to touch.
 */
final class UserOperatorPlay {
    // Kafka's default, and Strimzi's
    private static final int SCRAM_ITERATIONS = 4096;

    private final Admin admin;
    private final Path credentialsDir;
    private final Set<String> reserved;

    /**
     * {@code reserved}: user names no {@code KafkaUser} may have (the super users, whose
     * credentials the cluster bootstrapped).
     */
    UserOperatorPlay(Admin admin, Path credentialsDir, Set<String> reserved) {
        this.admin = admin;
        this.credentialsDir = credentialsDir;
        this.reserved = Set.copyOf(reserved);
    }

    /** Reconciles every user; returns what it did, one line per user. */
    List<String> reconcile(List<User> users) throws InterruptedException, IOException {
        for (User u : users) {
            if (reserved.contains(u.name())) {
                throw new IllegalArgumentException(
                        "KafkaUser " + u.name() + ": the name of a super user of the cluster");
            }
        }
        Map<String, UserScramCredentialsDescription> scram =
                get(admin.describeUserScramCredentials().all());
        List<String> done = new ArrayList<>();
        for (User u : users) {
            done.add(
                    "user "
                            + u.name()
                            + ": "
                            + credential(u, scram.get(u.name()))
                            + "; "
                            + acls(u));
        }
        Set<String> listed = users.stream().map(User::name).collect(Collectors.toSet());
        for (String gone : unlisted(listed, scram.keySet())) {
            done.add("user " + gone + ": removed (" + remove(gone, scram.get(gone)) + ")");
        }
        return done;
    }

    /** {@code inKafka}: the user's credentials in the cluster, null for none. */
    private String credential(User u, UserScramCredentialsDescription inKafka)
            throws InterruptedException, IOException {
        Path file = Credential.file(credentialsDir, u.name());
        if (!u.scram()) {
            deleteScram(inKafka);
            Files.deleteIfExists(file);
            return "no credential";
        }
        boolean kept = Files.exists(file);
        Credential c =
                kept ? Credential.read(credentialsDir, u.name()) : Credential.random(u.name());
        UserScramCredentialAlteration upsert =
                new UserScramCredentialUpsertion(
                        u.name(),
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS),
                        c.password());
        get(admin.alterUserScramCredentials(List.of(upsert)).all());
        c.write(credentialsDir);
        return (kept ? "password kept" : "new password") + " in " + file.getFileName();
    }

    /** Makes the user's ACLs exactly the listed ones. */
    private String acls(User u) throws InterruptedException {
        Set<AclBinding> have =
                new HashSet<>(get(admin.describeAcls(filter(u.principal())).values()));
        Set<AclBinding> want = new LinkedHashSet<>(u.acls());
        List<AclBinding> create = want.stream().filter(b -> !have.contains(b)).toList();
        List<AclBindingFilter> delete =
                have.stream().filter(b -> !want.contains(b)).map(AclBinding::toFilter).toList();
        if (!delete.isEmpty()) {
            get(admin.deleteAcls(delete).all());
        }
        if (!create.isEmpty()) {
            get(admin.createAcls(create).all());
        }
        return want.size()
                + " ACL bindings ("
                + create.size()
                + " created, "
                + delete.size()
                + " deleted)";
    }

    /**
     * Users known to the cluster (a SCRAM credential, an ACL) or with a credential file, that no
     * {@code KafkaUser} lists.
     */
    private Set<String> unlisted(Set<String> listed, Set<String> scramUsers)
            throws InterruptedException, IOException {
        Set<String> known = new TreeSet<>(scramUsers);
        for (AclBinding b : get(admin.describeAcls(AclBindingFilter.ANY).values())) {
            String principal = b.entry().principal();
            if (principal.startsWith("User:") && !principal.equals("User:*")) {
                known.add(principal.substring("User:".length()));
            }
        }
        known.addAll(credentialFiles());
        known.removeAll(listed);
        known.removeAll(reserved);
        return known;
    }

    private Set<String> credentialFiles() throws IOException {
        if (!Files.isDirectory(credentialsDir)) {
            return Set.of();
        }
        try (Stream<Path> files = Files.list(credentialsDir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(Credential.FILE_SUFFIX))
                    .map(n -> n.substring(0, n.length() - Credential.FILE_SUFFIX.length()))
                    .collect(Collectors.toSet());
        }
    }

    private String remove(String user, UserScramCredentialsDescription scram)
            throws InterruptedException, IOException {
        int acls = get(admin.deleteAcls(List.of(filter("User:" + user))).all()).size();
        deleteScram(scram);
        Files.deleteIfExists(Credential.file(credentialsDir, user));
        return acls + " ACL bindings" + (scram == null ? "" : ", credential");
    }

    /** Deletes every SCRAM credential of a user ({@code null}: none). */
    private void deleteScram(UserScramCredentialsDescription scram) throws InterruptedException {
        if (scram == null) {
            return;
        }
        List<UserScramCredentialAlteration> deletions =
                scram.credentialInfos().stream()
                        .<UserScramCredentialAlteration>map(
                                i -> new UserScramCredentialDeletion(scram.name(), i.mechanism()))
                        .toList();
        get(admin.alterUserScramCredentials(deletions).all());
    }

    static AclBindingFilter filter(String principal) {
        return new AclBindingFilter(
                ResourcePatternFilter.ANY,
                new AccessControlEntryFilter(
                        principal, null, AclOperation.ANY, AclPermissionType.ANY));
    }
}
