package dev.contain.runtime.init;

import dev.contain.runtime.plan.InitOp;
import dev.contain.runtime.plan.Security;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The plan's wire format, as plan.c reads it: a header line {@code plan VERSION LENGTH}, then LENGTH bytes of
 * entries, each its key, its field count and its fields, every token NUL-terminated; the first entry is
 * {@code version}. The one place that writes it and reads it back (a stored plan, for exec and inspect).
 */
public final class InitCodec {
    /** The plan format the init speaks (PLAN_VERSION in runtime/src/main/c/init/init.h). */
    public static final int VERSION = 2;

    private InitCodec() {}

    /** The header line that precedes {@code length} bytes of entries. */
    public static byte[] header(int length) {
        return ("plan " + VERSION + " " + length + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The entries (the version first, then {@code messages} in order), without the header. */
    public static byte[] encode(List<InitMessage> messages) {
        Writer w = new Writer();
        w.entry("version", List.of(Integer.toString(VERSION)));
        for (InitMessage m : messages) {
            if (m instanceof InitMessage.Seccomp s) { // the program's hex straight into the plan: no 20 KB string to build and scan
                w.token("seccomp");
                w.token("2");
                w.token(Integer.toUnsignedString(s.filter().flags()));
                byte[] hex = hexToken(s.filter().program());
                w.out.write(hex, 0, hex.length);
            } else {
                w.entry(m.key(), m.fields());
            }
        }
        return w.out.toByteArray();
    }

    /**
     * Raw entries, each a key and its fields, as they go on the wire: only for tests that feed the init what the
     * engine never sends (an unknown key, a wrong field count). The engine speaks {@link #encode}.
     */
    public static byte[] entries(List<List<String>> entries) {
        Writer w = new Writer();
        entries.forEach(e -> w.entry(e.get(0), e.subList(1, e.size())));
        return w.out.toByteArray();
    }

    /** A stored plan read back (without its header), the version entry checked and dropped. */
    public static List<InitMessage> decode(byte[] plan) {
        List<int[]> tokens = new ArrayList<>(); // start and end of each token: the seccomp program's hex is read from the bytes
        int start = 0;
        for (int i = 0; i < plan.length; i++) {
            if (plan[i] == 0) {
                tokens.add(new int[] {start, i});
                start = i + 1;
            }
        }
        if (start != plan.length) {
            throw new IllegalArgumentException("the plan ends inside a token");
        }
        List<InitMessage> messages = new ArrayList<>();
        boolean versioned = false;
        for (int i = 0; i < tokens.size(); ) {
            String key = text(plan, tokens.get(i));
            int n = i + 1 < tokens.size() ? Integer.parseInt(text(plan, tokens.get(i + 1))) : -1;
            if (n < 0 || i + 2 + n > tokens.size()) {
                throw new IllegalArgumentException("plan entry \"" + key + "\": the plan ends inside it");
            }
            List<int[]> fields = tokens.subList(i + 2, i + 2 + n);
            i += 2 + n;
            try {
                if (key.equals("seccomp") && n == 2) { // ~20 KB of hex: to bytes by table, without a String between
                    int[] hex = fields.get(1);
                    messages.add(new InitMessage.Seccomp(new Security.Seccomp(Integer.parseUnsignedInt(text(plan, fields.get(0))),
                            fromHex(plan, hex[0], hex[1]))));
                    continue;
                }
                List<String> f = new ArrayList<>(n);
                for (int[] t : fields) {
                    f.add(text(plan, t));
                }
                if (key.equals("version")) {
                    if (!f.equals(List.of(Integer.toString(VERSION)))) {
                        throw new IllegalArgumentException("plan version " + f + ", this engine speaks " + VERSION);
                    }
                    versioned = true;
                    continue;
                }
                messages.add(decode(key, f));
            } catch (IllegalArgumentException e) {
                throw e.getMessage() != null && e.getMessage().startsWith("plan version") ? e
                        : new IllegalArgumentException("plan entry \"" + key + "\": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("plan entry \"" + key + "\": " + e, e);
            }
        }
        if (!versioned) {
            throw new IllegalArgumentException("the plan has no version entry");
        }
        return messages;
    }

    private static String text(byte[] plan, int[] token) {
        return new String(plan, token[0], token[1] - token[0], StandardCharsets.UTF_8);
    }

    private static InitMessage decode(String key, List<String> f) {
        return switch (key) {
            case "clone" -> new InitMessage.Clone(Long.parseUnsignedLong(f.get(0)));
            case "join_ns" -> new InitMessage.JoinNs(new dev.contain.runtime.plan.NamespaceJoin(f.get(0), Path.of(f.get(1))));
            case "join_netns" -> new InitMessage.JoinNs(dev.contain.runtime.plan.NamespaceJoin.network(Path.of(f.get(0)))); // stored by an older engine
            case "cgroup_join" -> new InitMessage.CgroupJoin(Path.of(f.get(0)));
            case "clone_into_cgroup" -> new InitMessage.CloneIntoCgroup(Path.of(f.get(0)));
            case "rootfs" -> new InitMessage.Rootfs(Path.of(f.get(0)));
            case "chroot_fallback" -> new InitMessage.ChrootFallback();
            case "argv" -> new InitMessage.Argv(f);
            case "env" -> new InitMessage.Env(f);
            case "cwd" -> new InitMessage.Cwd(f.get(0));
            case "user" -> new InitMessage.User(Long.parseLong(f.get(0)), Long.parseLong(f.get(1)),
                    f.subList(2, f.size()).stream().map(Long::valueOf).toList());
            case "reaper" -> new InitMessage.Reaper();
            case "caps" -> new InitMessage.Caps(new Security.Caps(hex(f.get(0)), hex(f.get(1)), hex(f.get(2)), hex(f.get(3)), hex(f.get(4))));
            case "no_new_privs" -> new InitMessage.NoNewPrivs();
            case "new_keyring" -> new InitMessage.NewKeyring();
            case "rlimit" -> new InitMessage.Rlimit(new Security.Rlimit(Integer.parseInt(f.get(0)), limit(f.get(1)), limit(f.get(2))));
            case "oom_score_adj" -> new InitMessage.OomScoreAdj(Integer.parseInt(f.get(0)));
            case "umask" -> new InitMessage.Umask(Integer.parseInt(f.get(0), 8));
            case "detach" -> new InitMessage.Detach();
            case "log" -> new InitMessage.Log(Path.of(f.get(0)), Long.parseLong(f.get(1)));
            case "exit_file" -> new InitMessage.ExitFile(Path.of(f.get(0)));
            case "on_exit" -> new InitMessage.OnExit(f);
            case "join" -> new InitMessage.Join(Long.parseLong(f.get(0)), Long.parseLong(f.get(1)), Long.parseLong(f.get(2)));
            case "tty" -> new InitMessage.Tty();
            case "exec_fifo" -> new InitMessage.ExecFifo(Path.of(f.get(0)));
            case "console_socket" -> new InitMessage.ConsoleSocket(Path.of(f.get(0)));
            case "console_size" -> new InitMessage.ConsoleSize(Integer.parseInt(f.get(0)), Integer.parseInt(f.get(1)));
            case "release" -> new InitMessage.Release();
            case "start_hook" -> new InitMessage.StartHook(hook(f));
            case "stdin_null" -> new InitMessage.StdinNull();
            case "preserve_fds" -> new InitMessage.PreserveFds(Integer.parseInt(f.get(0)));
            default -> new InitMessage.Op(op(key, f));
        };
    }

    private static InitOp op(String key, List<String> f) {
        return switch (key) {
            case "make_private" -> new InitOp.MakePrivate();
            case "root_propagation" -> new InitOp.RootPropagation(Long.parseLong(f.get(0)));
            case "mknod" -> new InitOp.Mknod(f.get(0), f.get(1).charAt(0), Long.parseLong(f.get(2)), Long.parseLong(f.get(3)),
                    Integer.parseInt(f.get(4), 8), Long.parseLong(f.get(5)), Long.parseLong(f.get(6)));
            case "idmap" -> new InitOp.Idmap(Path.of(f.get(0)), Path.of(f.get(1)));
            case "mount" -> new InitOp.Mount(f.get(0), f.get(1), f.get(2), Long.parseLong(f.get(3)), f.get(4));
            case "mkdir" -> new InitOp.Mkdir(f.get(0), Integer.parseInt(f.get(1), 8));
            case "touch" -> new InitOp.Touch(f.get(0));
            case "symlink" -> new InitOp.Symlink(f.get(0), f.get(1));
            case "mask" -> new InitOp.Mask(f.get(0));
            case "readonly" -> new InitOp.Readonly(f.get(0));
            case "pivot_root" -> new InitOp.PivotRoot(f.get(0));
            case "unshare" -> new InitOp.Unshare(Long.parseLong(f.get(0)));
            case "loopback_up" -> new InitOp.LoopbackUp();
            case "write" -> new InitOp.Write(f.get(0), f.get(1));
            case "hostname" -> new InitOp.Hostname(f.get(0));
            case "sync" -> new InitOp.Sync();
            case "hook" -> hook(f);
            default -> throw new IllegalArgumentException("unknown to this engine");
        };
    }

    /** NAME TIMEOUT STATE-BEFORE-PID STATE-AFTER-PID PATH ARGC ARGS... ENV... (see InitOp.Hook). */
    private static InitOp.Hook hook(List<String> f) {
        int argc = Integer.parseInt(f.get(5));
        return new InitOp.Hook(f.get(0), Long.parseLong(f.get(1)), f.get(2), f.get(3), f.get(4), f.subList(6, 6 + argc),
                f.subList(6 + argc, f.size()));
    }

    private static long hex(String s) {
        return Long.parseUnsignedLong(s, 16);
    }

    private static long limit(String s) {
        return s.equals("unlimited") ? Security.Rlimit.UNLIMITED : Long.parseUnsignedLong(s);
    }

    /**
     * Lowercase hex and the closing NUL, by table, as bytes: the interpreted JVM of a cold run spends ~1.3 ms on a
     * 10 KB program through HexFormat and a String (its per-digit calls, then a scan and an encoding of the
     * string), ~0.5 ms here.
     */
    static byte[] hexToken(byte[] bytes) {
        byte[] digits = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
        byte[] out = new byte[bytes.length * 2 + 1];
        for (int i = 0, j = 0; i < bytes.length; i++) {
            int v = bytes[i] & 0xff;
            out[j++] = digits[v >>> 4];
            out[j++] = digits[v & 15];
        }
        return out; // the last byte is already 0
    }

    /** Each byte's value as a lowercase hex digit, or -1. */
    private static final byte[] DIGIT = new byte[256];

    static {
        java.util.Arrays.fill(DIGIT, (byte) -1);
        for (int d = 0; d < 16; d++) {
            DIGIT["0123456789abcdef".charAt(d)] = (byte) d;
        }
    }

    /** Lowercase hex (bytes {@code from} to {@code to} of {@code text}) back to bytes, as plan.c accepts it. */
    static byte[] fromHex(byte[] text, int from, int to) {
        if ((to - from) % 2 != 0) {
            throw new IllegalArgumentException("an odd number of hex digits");
        }
        byte[] out = new byte[(to - from) / 2];
        for (int i = 0, j = from; i < out.length; i++, j += 2) {
            int hi = DIGIT[text[j] & 0xff], lo = DIGIT[text[j + 1] & 0xff];
            if ((hi | lo) < 0) {
                throw new IllegalArgumentException("not lowercase hex at offset " + (j - from));
            }
            out[i] = (byte) (hi << 4 | lo);
        }
        return out;
    }

    /** Tokens, each NUL-terminated; a NUL inside one is refused (the init would read two). */
    private static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(4096);

        void entry(String key, List<String> fields) {
            token(key);
            token(Integer.toString(fields.size()));
            fields.forEach(this::token);
        }

        void token(String s) {
            if (s.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("a NUL byte in '" + s.replace('\0', '?') + "'");
            }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write(b, 0, b.length);
            out.write(0);
        }
    }
}
