package dev.contain.runtime.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.plan.ExecPlan;
import dev.contain.runtime.plan.ExecProcess;
import dev.contain.runtime.plan.Terminal;
import dev.contain.runtime.security.CapabilitySets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * runc's exec, as its command line gives it: a process file ({@code --process}, an OCI process object, taken as
 * it is) or the command's words over the container's own process with runc's overrides (cwd, env, user,
 * additional gids, capabilities added, no_new_privs). A terminal without {@code --detach} is relayed by the
 * init; with {@code --detach} it needs a console socket, and a console socket needs both, as in runc.
 *
 * @param processFile    --process FILE, or null
 * @param args           the command's words (without a process file)
 * @param env            --env K=V, in order
 * @param user           --user UID[:GID], or null
 * @param additionalGids --additional-gids, each a gid
 * @param caps           --cap, each CAP_NAME (or NAME)
 * @param consoleSocket  --console-socket, or null
 * @param preserveFds    --preserve-fds: the caller's descriptors 3..3+N-1 passed to the process
 */
public record OciExec(Path processFile, List<String> args, String cwd, List<String> env, String user, List<String> additionalGids,
        List<String> caps, boolean noNewPrivs, boolean tty, boolean detach, Path consoleSocket, Path pidFile,
        int preserveFds) {
    private static final String STAGE = "exec";

    /** The process to start, over the container's own. */
    ExecProcess process(String id) throws ContainerError {
        if (processFile != null) {
            if (!args.isEmpty() || cwd != null || !env.isEmpty() || user != null || !additionalGids.isEmpty() || !caps.isEmpty() || noNewPrivs) {
                throw new ContainerError(id, STAGE, "--process " + processFile + " is the whole process: give no command and no "
                        + "--cwd, --env, --user, --additional-gids, --cap or --no-new-privs beside it");
            }
            OciProcess p = read(id, processFile);
            return new ExecProcess(p.args(), p.env(), Map.of(), p.cwd(), p.uid(), p.gid(), p.groups(), List.of(),
                    new ExecPlan.Confinement(p.caps(), 0, p.noNewPrivileges(), p.rlimits().isEmpty() ? null : p.rlimits(), p.oomScoreAdj(), p.umask()),
                    terminal(id, p.terminal() || tty, p.rows(), p.cols()), detach, preserveFds); // conmon gives --tty beside it
        }
        if (args.isEmpty()) {
            throw new ContainerError(id, STAGE, "no command: give one after the container's id, or --process FILE");
        }
        if (cwd != null && !cwd.startsWith("/")) {
            throw new ContainerError(id, STAGE, "--cwd " + cwd + ": not an absolute path");
        }
        Map<String, String> setEnv = new LinkedHashMap<>();
        for (String kv : env) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new ContainerError(id, STAGE, "--env " + kv + ": give NAME=VALUE");
            }
            setEnv.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        Long uid = null;
        Long gid = null;
        if (user != null) {
            String[] parts = user.split(":", -1);
            uid = parts.length <= 2 ? id(parts[0]) : null;
            gid = parts.length == 2 ? id(parts[1]) : null;
            if (uid == null || parts.length == 2 && gid == null) {
                throw new ContainerError(id, STAGE, "--user " + user + ": give UID[:GID], numbers (runc takes no names)");
            }
        }
        List<Long> groups = new ArrayList<>();
        for (String g : additionalGids) {
            Long n = id(g);
            if (n == null) {
                throw new ContainerError(id, STAGE, "--additional-gids " + g + ": not a group id");
            }
            groups.add(n);
        }
        long add = 0;
        for (String c : caps) {
            int bit = CapabilitySets.bit(c.startsWith("CAP_") ? c : "CAP_" + c);
            if (bit < 0) {
                throw new ContainerError(id, STAGE, "--cap " + c + ": unknown capability");
            }
            add |= 1L << bit;
        }
        return new ExecProcess(args, null, setEnv, cwd, uid, gid, null, groups,
                new ExecPlan.Confinement(null, add, noNewPrivs ? Boolean.TRUE : null, null, null, null), terminal(id, tty, 0, 0), detach, preserveFds);
    }

    /** runc's checkTerminal: a console socket only for a detached exec with a terminal, which needs one. */
    private Terminal terminal(String id, boolean terminal, int rows, int cols) throws ContainerError {
        return terminal(id, STAGE, terminal, detach, consoleSocket, rows, cols);
    }

    static Terminal terminal(String id, String stage, boolean terminal, boolean detach, Path consoleSocket, int rows, int cols)
            throws ContainerError {
        if (detach && terminal && consoleSocket == null) {
            throw new ContainerError(id, stage, "a terminal (process.terminal, --tty) without --console-socket: nothing would hold it "
                    + "once " + (stage.equals("create") ? "create" : "exec --detach") + " returns");
        }
        if ((!detach || !terminal) && consoleSocket != null) {
            throw new ContainerError(id, stage, "--console-socket without " + (terminal ? "--detach" : "a terminal (process.terminal, --tty)")
                    + ": it would receive nothing");
        }
        return terminal ? new Terminal(consoleSocket, rows, cols) : null;
    }

    private static OciProcess read(String id, Path file) throws ContainerError {
        JsonNode json = JsonFile.readObject(id, STAGE, "--process", file);
        return OciProcess.read(new Node(id, file.getFileName().toString(), "", json));
    }

    private static Long id(String s) {
        return !s.isEmpty() && s.length() <= 10 && s.chars().allMatch(Character::isDigit) && Long.parseLong(s) <= 4294967294L
                ? Long.valueOf(s) : null;
    }
}
