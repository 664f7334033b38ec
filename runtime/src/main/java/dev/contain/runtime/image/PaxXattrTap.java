package dev.contain.runtime.image;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The exact bytes of {@code SCHILY.xattr.*} values. Commons Compress decodes PAX values as UTF-8, which
 * turns binary xattrs (file capabilities, SELinux labels with a NUL, anything not UTF-8) into U+FFFD. This
 * stream sits under the tar reader and follows the tar's blocks as they pass: the data of each PAX header
 * ({@code x}) is read as bytes, and its xattr values are kept for the entry it describes, numbered as the
 * tar reader returns entries ({@code x}, {@code g}, {@code L}, {@code K} headers are not entries of their own).
 * Old-GNU sparse headers' extension blocks are followed; anything it cannot follow marks it lost, and then
 * it answers nothing (the unpacker refuses a value it cannot keep exact rather than write another).
 */
final class PaxXattrTap extends FilterInputStream {
    private static final int BLOCK = 512;
    private static final int PAX_LIMIT = 16 << 20;
    private static final String PREFIX = "SCHILY.xattr.";

    private final byte[] header = new byte[BLOCK];
    private int headerFill;
    private long dataLeft; // bytes of the current entry's data (padded to blocks) still to pass
    private int extensionBlocks; // old-GNU sparse: more header blocks follow (-1: unknown count, flagged per block)
    private java.io.ByteArrayOutputStream pax; // the data of an x header being read, or null
    private long paxSize = -1; // a PAX size record: the next entry's data size
    private Map<String, byte[]> pending; // an x header's xattrs, for the next entry
    private int entries;
    private final Map<Integer, Map<String, byte[]>> byEntry = new HashMap<>();
    private boolean lost;

    PaxXattrTap(InputStream in) {
        super(in);
    }

    /** The raw xattr values of the Nth entry (0 first) the tar reader returns; null if none or lost. */
    Map<String, byte[]> xattrs(int entry) {
        return lost ? null : byEntry.remove(entry);
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            follow(new byte[] {(byte) b}, 0, 1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0 && !lost) {
            follow(b, off, n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, 1 << 16)];
        int r = read(buf, 0, buf.length); // through read, so the skipped bytes are followed too
        return Math.max(r, 0);
    }

    private void follow(byte[] b, int off, int len) {
        int end = off + len;
        while (off < end && !lost) {
            if (dataLeft > 0) {
                int take = (int) Math.min(dataLeft, end - off);
                if (pax != null) {
                    pax.write(b, off, take);
                }
                dataLeft -= take;
                off += take;
                if (dataLeft == 0 && pax != null) {
                    pending = parse(pax.toByteArray());
                    pax = null;
                }
                continue;
            }
            int take = Math.min(BLOCK - headerFill, end - off);
            System.arraycopy(b, off, header, headerFill, take);
            headerFill += take;
            off += take;
            if (headerFill == BLOCK) {
                headerFill = 0;
                block();
            }
        }
    }

    /** One header block (or a sparse extension block) has passed. */
    private void block() {
        if (extensionBlocks != 0) {
            if (header[504] == 0) { // the last extension block: the entry's data follows
                extensionBlocks = 0;
                dataLeft = padded(pendingData);
            }
            return;
        }
        if (isZero()) {
            return; // the end-of-archive blocks
        }
        char type = (char) header[156];
        long size = size();
        if (size < 0) {
            lost = true;
            return;
        }
        switch (type) {
            case 'x', 'X' -> {
                if (size > PAX_LIMIT) {
                    lost = true;
                    return;
                }
                pax = new java.io.ByteArrayOutputStream((int) size);
                dataLeft = padded(size);
                if (size == 0) {
                    pending = Map.of();
                    pax = null;
                }
            }
            case 'L', 'K', 'g' -> dataLeft = padded(size); // merged into the next entry (g into every one)
            default -> {
                long data = paxSize >= 0 ? paxSize : size;
                paxSize = -1;
                if (pending != null && !pending.isEmpty()) {
                    byEntry.put(entries, pending);
                }
                pending = null;
                entries++;
                if (type == 'S' && header[482] != 0) { // old-GNU sparse with extension blocks before its data
                    extensionBlocks = -1;
                    pendingData = data;
                } else {
                    dataLeft = padded(data);
                }
            }
        }
    }

    private long pendingData;

    private boolean isZero() {
        for (byte x : header) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** The header's size field: octal digits, or base-256 when its first byte has the high bit set. */
    private long size() {
        if ((header[124] & 0x80) != 0) {
            long v = 0;
            for (int i = 125; i < 136; i++) {
                v = (v << 8) | (header[i] & 0xff);
            }
            return v;
        }
        long v = 0;
        for (int i = 124; i < 136; i++) {
            byte c = header[i];
            if (c >= '0' && c <= '7') {
                v = v * 8 + (c - '0');
            } else if (c != ' ' && c != 0) {
                return -1;
            }
        }
        return v;
    }

    private static long padded(long size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    /** PAX records, "LEN KEY=VALUE\n" each: the xattr values as bytes, and a size record for the next entry. */
    private Map<String, byte[]> parse(byte[] data) {
        Map<String, byte[]> out = new HashMap<>();
        int i = 0;
        while (i < data.length && data[i] != 0) {
            int space = i;
            long len = 0;
            while (space < data.length && data[space] >= '0' && data[space] <= '9') {
                len = len * 10 + (data[space++] - '0');
            }
            if (space >= data.length || data[space] != ' ' || len <= 0 || i + len > data.length || data[(int) (i + len - 1)] != '\n') {
                lost = true;
                return Map.of();
            }
            int recordEnd = (int) (i + len - 1);
            int eq = space + 1;
            while (eq < recordEnd && data[eq] != '=') {
                eq++;
            }
            if (eq == recordEnd) {
                lost = true;
                return Map.of();
            }
            String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
            byte[] value = java.util.Arrays.copyOfRange(data, eq + 1, recordEnd);
            if (key.startsWith(PREFIX)) {
                out.put(key.substring(PREFIX.length()), value);
            } else if (key.equals("size")) {
                try {
                    paxSize = Long.parseLong(new String(value, StandardCharsets.US_ASCII));
                } catch (NumberFormatException e) {
                    lost = true;
                }
            }
            i = recordEnd + 1;
        }
        return out;
    }
}
