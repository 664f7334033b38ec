package dev.contain.runtime.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

/** A layer blob's compression, told by its first bytes (media types lie more often than magic numbers). */
enum Compression {
    NONE, GZIP, ZSTD, XZ;

    static Compression of(byte[] head, int n) {
        if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return GZIP;
        }
        if (n >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f && (head[3] & 0xff) == 0xfd) {
            return ZSTD;
        }
        if (n >= 6 && (head[0] & 0xff) == 0xfd && head[1] == '7' && head[2] == 'z' && head[3] == 'X' && head[4] == 'Z' && head[5] == 0) {
            return XZ;
        }
        return NONE;
    }

    /** The uncompressed stream of a blob, whatever its compression. */
    static InputStream decompress(InputStream blob) throws IOException {
        BufferedInputStream in = new BufferedInputStream(blob, 1 << 16);
        in.mark(6);
        byte[] head = new byte[6];
        int n = in.readNBytes(head, 0, head.length);
        in.reset();
        return switch (of(head, n)) {
            case GZIP -> new GZIPInputStream(in, 1 << 16);
            case ZSTD -> new ZstdCompressorInputStream(in);
            case XZ -> new XZCompressorInputStream(in, true); // every stream of a multi-stream file, as xz -d does
            case NONE -> in;
        };
    }
}
