package dev.contain.runtime.cgroup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The cgroup v2 form of a device list: a BPF_PROG_TYPE_CGROUP_DEVICE program that returns 1 (allow) for
 * an access matching a rule and 0 (deny, EPERM) otherwise, as runc and crun generate it. Its context is
 * {@code struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }}, where access_type holds the
 * device type in its low 16 bits (1 block, 2 char) and the access in its high ones (1 mknod, 2 read, 4 write).
 */
public final class DeviceFilter {
    private static final int LDX_W = 0x61;     // BPF_LDX | BPF_MEM | BPF_W: dst = *(u32 *)(src + off)
    private static final int MOV32_X = 0xbc;   // BPF_ALU | BPF_MOV | BPF_X: dst = src (32 bits)
    private static final int AND32_K = 0x54;   // BPF_ALU | BPF_AND | BPF_K
    private static final int RSH32_K = 0x74;   // BPF_ALU | BPF_RSH | BPF_K
    private static final int MOV64_K = 0xb7;   // BPF_ALU64 | BPF_MOV | BPF_K
    private static final int JNE_K = 0x55;     // BPF_JMP | BPF_JNE | BPF_K: if dst != imm goto +off
    private static final int EXIT = 0x95;

    private DeviceFilter() {}

    /** The program for these rules, as struct bpf_insn in native byte order. */
    public static byte[] program(List<DeviceRule> rules) {
        Builder b = new Builder();
        b.insn(LDX_W, 2, 1, 0, 0);      // r2 = access_type
        b.insn(MOV32_X, 3, 2, 0, 0);    // r3 = type
        b.insn(AND32_K, 3, 0, 0, 0xffff);
        b.insn(MOV32_X, 4, 2, 0, 0);    // r4 = access
        b.insn(RSH32_K, 4, 0, 0, 16);
        b.insn(LDX_W, 5, 1, 4, 0);      // r5 = major
        b.insn(LDX_W, 6, 1, 8, 0);      // r6 = minor
        for (DeviceRule r : rules) {
            int checks = (r.type() == 'a' ? 0 : 1) + (mask(r.access()) == 7 ? 0 : 3) + (r.major() < 0 ? 0 : 1) + (r.minor() < 0 ? 0 : 1);
            int left = checks + 2; // instructions to the end of this rule: the checks, then r0 = 1 and exit
            if (r.type() != 'a') {
                b.insn(JNE_K, 3, 0, --left, r.type() == 'b' ? 1 : 2);
            }
            if (mask(r.access()) != 7) { // every access asked must be in the rule's
                b.insn(MOV32_X, 7, 4, 0, 0);
                b.insn(AND32_K, 7, 0, 0, ~mask(r.access()) & 7);
                left -= 2;
                b.insn(JNE_K, 7, 0, --left, 0);
            }
            if (r.major() >= 0) {
                b.insn(JNE_K, 5, 0, --left, (int) r.major());
            }
            if (r.minor() >= 0) {
                b.insn(JNE_K, 6, 0, --left, (int) r.minor());
            }
            b.insn(MOV64_K, 0, 0, 0, 1);
            b.insn(EXIT, 0, 0, 0, 0);
        }
        b.insn(MOV64_K, 0, 0, 0, 0);
        b.insn(EXIT, 0, 0, 0, 0);
        return b.bytes();
    }

    /** "rwm" to the program's access bits: m 1, r 2, w 4. */
    static int mask(String access) {
        return (access.indexOf('m') >= 0 ? 1 : 0) | (access.indexOf('r') >= 0 ? 2 : 0) | (access.indexOf('w') >= 0 ? 4 : 0);
    }

    private static final class Builder {
        private final ByteBuffer buf = ByteBuffer.allocate(8 * 512).order(ByteOrder.nativeOrder());

        void insn(int code, int dst, int src, int off, int imm) {
            buf.put((byte) code);
            buf.put((byte) (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? dst | src << 4 : dst << 4 | src));
            buf.putShort((short) off);
            buf.putInt(imm);
        }

        byte[] bytes() {
            byte[] out = new byte[buf.position()];
            buf.flip().get(out);
            return out;
        }
    }
}
