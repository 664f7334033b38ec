package dev.contain.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A container's process joins a session keyring of its own (as runc's): the keys of the session that started the
 * engine are not its. The probe: the engine is started from a new session keyring holding a key (keyctl session,
 * so nothing of the machine's own sessions is touched), and a process without a seccomp filter (which would deny
 * keyctl anyway) searches its session keyring for that key (SecurityTest's probe, session_key): found only if
 * it kept the caller's session. {@code contain-oci --no-new-keyring} keeps it, as runc's: the control that the
 * probe finds a shared key at all.
 */
class KeyringTest {
    private static final String KEY = "contain-keyring-probe";

    /** {@code command} run in a new session keyring that holds the probe key. */
    private static ProcessBuilder inAKeyedSession(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("keyctl", "session", "contain-keyring-test", "sh", "-c",
                "keyctl add user " + KEY + " not-a-secret @s >/dev/null && exec \"$@\"", "sh"));
        cmd.addAll(command);
        return new ProcessBuilder(cmd);
    }

    private static String probed(TestHost.Result r) {
        assertEquals(0, r.exit(), r.err());
        return r.out().trim();
    }

    @Test
    void aContainerDoesNotReachTheKeysOfTheSessionThatRanIt() throws Exception {
        ImageTest.assumeTools("keyctl", "musl-gcc");
        try (TestHost host = new TestHost()) {
            String probe = SecurityTest.probeLayer(host);
            Path spec = host.spec("keys", "image: busybox\nprivileged: true\n" + probe + "\ncommand: [/probe, session_key]\n");
            assertEquals("session_key ENOKEY", probed(host.run(inAKeyedSession(host.cli("run", "-q", spec.toString()).command()))));
            // an exec'd process joins one of its own too (the stored plan's confinement)
            Path detached = host.spec("keys2", "image: busybox\nprivileged: true\n" + probe + "\ncommand: [sleep, '60']\n");
            assertEquals(0, host.run("run", "-d", "-q", detached.toString()).exit());
            assertEquals("session_key ENOKEY", probed(host.run(inAKeyedSession(host.cli("exec", "keys2", "--", "/probe", "session_key").command()))));
            assertEquals(0, host.run("rm", "-f", "keys2").exit());
        }
    }

    @Test
    void anOciContainerHasItsOwnKeyringUnlessNoNewKeyringIsGiven() throws Exception {
        ImageTest.assumeTools("keyctl", "musl-gcc");
        try (TestHost host = new TestHost()) {
            String layer = SecurityTest.probeLayer(host); // "layers: [DIR]"
            Path probe = Path.of(layer.substring(layer.indexOf('[') + 1, layer.indexOf(']'))).resolve("probe");
            Path bundle = OciRuntimeTest.bundle(host, "kb", "/probe session_key");
            ObjectNode c = (ObjectNode) new ObjectMapper().readTree(bundle.resolve("config.json").toFile());
            c.with("linux").remove("seccomp");
            c.withArray("mounts").addObject().put("destination", "/probe").put("type", "bind").put("source", probe.toString())
                    .putArray("options").add("bind").add("ro");
            Files.writeString(bundle.resolve("config.json"), c.toPrettyString());
            assertEquals("session_key ENOKEY", probed(host.run(inAKeyedSession(OciRuntimeTest.oci(host, "run", "--bundle", bundle.toString(), "k1")))));
            assertEquals("session_key ok", probed(host.run(inAKeyedSession(OciRuntimeTest.oci(host, "run", "--no-new-keyring", "--bundle",
                    bundle.toString(), "k2")))), "--no-new-keyring: the caller's session, as runc's");
        }
    }
}
