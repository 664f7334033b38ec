package dev.contain.runtime.kernel;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * libnftables, the library the {@code nft} command is built on, through its JSON command API: one
 * {@link #run} is one batch, which the kernel applies as one transaction (all of it or nothing). Loaded on
 * first use, by soname, like libnl. Errors carry libnftables's own message.
 */
public final class Libnftables {
    /** nft_ctx_output_set_flags: JSON output, which is also what makes nft_run_cmd_from_buffer read JSON (1.0.6). */
    private static final int NFT_CTX_OUTPUT_JSON = 1 << 4;
    private static final String SONAME = "libnftables.so.1";

    interface Lib extends Library {
        Pointer nft_ctx_new(int flags);

        void nft_ctx_free(Pointer ctx);

        void nft_ctx_output_set_flags(Pointer ctx, int flags);

        int nft_ctx_buffer_output(Pointer ctx);

        int nft_ctx_buffer_error(Pointer ctx);

        String nft_ctx_get_output_buffer(Pointer ctx);

        String nft_ctx_get_error_buffer(Pointer ctx);

        int nft_run_cmd_from_buffer(Pointer ctx, String buffer);
    }

    private static Lib lib;
    private static String loadFailure;

    private Libnftables() {}

    static synchronized Lib load() throws NetlinkException {
        if (lib == null && loadFailure == null) {
            try {
                lib = Native.load(SONAME, Lib.class);
            } catch (LinkageError e) {
                loadFailure = "cannot load " + SONAME + " (install libnftables1): " + e.getMessage();
            }
        }
        if (loadFailure != null) {
            throw new NetlinkException(loadFailure);
        }
        return lib;
    }

    /**
     * Runs one batch of JSON commands ({@code {"nftables": [...]}}) in the calling thread's network namespace;
     * returns what it printed (JSON, for list commands).
     */
    static String run(String json) throws NetlinkException {
        Lib l = load();
        Pointer ctx = l.nft_ctx_new(0);
        if (ctx == null) {
            throw new NetlinkException("nft_ctx_new: out of memory");
        }
        try {
            l.nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
            if (l.nft_ctx_buffer_output(ctx) != 0 || l.nft_ctx_buffer_error(ctx) != 0) {
                throw new NetlinkException("nft_ctx_buffer_output: out of memory");
            }
            if (l.nft_run_cmd_from_buffer(ctx, json) != 0) {
                throw new NetlinkException(message(l.nft_ctx_get_error_buffer(ctx)));
            }
            String out = l.nft_ctx_get_output_buffer(ctx);
            return out == null ? "" : out;
        } finally {
            l.nft_ctx_free(ctx);
        }
    }

    /** "internal:0:0-0: Error: Could not process rule: No such file or directory" -> the part after "Error: ", each once. */
    static String message(String errors) {
        java.util.Set<String> messages = new java.util.LinkedHashSet<>();
        for (String line : (errors == null ? "" : errors).split("\n")) {
            int at = line.indexOf("Error: ");
            if (at >= 0) {
                messages.add(line.substring(at + "Error: ".length()).trim());
            }
        }
        if (messages.isEmpty()) {
            return "nftables refused the commands" + (errors == null || errors.isBlank() ? "" : ": " + errors.trim());
        }
        return String.join("; ", messages);
    }
}
