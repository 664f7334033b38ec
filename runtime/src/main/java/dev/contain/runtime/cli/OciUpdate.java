package dev.contain.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.json.JsonReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * runc update's options as a linux.resources object: {@code --resources FILE} (or {@code -}, stdin), then each
 * flag over it, under the key config.json gives it, so the OCI front end accepts or refuses it by that name.
 */
final class OciUpdate {
    /** A resources object is a few hundred bytes; this bounds what a bad --resources makes the engine hold. */
    private static final int MAX_BYTES = 1 << 20;
    /** flag -> {object, key, kind}: kind "size" (512m), "number", or "string". */
    private static final Map<String, String[]> FLAGS = Map.ofEntries(
            Map.entry("memory", new String[] {"memory", "limit", "size"}),
            Map.entry("memory-swap", new String[] {"memory", "swap", "size"}),
            Map.entry("memory-reservation", new String[] {"memory", "reservation", "size"}),
            Map.entry("kernel-memory", new String[] {"memory", "kernel", "size"}),
            Map.entry("kernel-memory-tcp", new String[] {"memory", "kernelTCP", "size"}),
            Map.entry("cpu-shares", new String[] {"cpu", "shares", "number"}),
            Map.entry("cpu-quota", new String[] {"cpu", "quota", "number"}),
            Map.entry("cpu-period", new String[] {"cpu", "period", "number"}),
            Map.entry("cpu-rt-period", new String[] {"cpu", "realtimePeriod", "number"}),
            Map.entry("cpu-rt-runtime", new String[] {"cpu", "realtimeRuntime", "number"}),
            Map.entry("cpu-idle", new String[] {"cpu", "idle", "number"}),
            Map.entry("cpuset-cpus", new String[] {"cpu", "cpus", "string"}),
            Map.entry("cpuset-mems", new String[] {"cpu", "mems", "string"}),
            Map.entry("pids-limit", new String[] {"pids", "limit", "number"}),
            Map.entry("blkio-weight", new String[] {"blockIO", "weight", "number"}));

    private OciUpdate() {}

    /** {@code --resources FILE}'s bytes ({@code -}: stdin's), refused above {@link #MAX_BYTES}. */
    private static byte[] read(String file, InputStream stdin) throws IOException {
        try (InputStream in = file.equals("-") ? stdin : Files.newInputStream(Path.of(file))) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new IOException("larger than " + (MAX_BYTES >> 20) + " MiB");
            }
            return bytes;
        }
    }

    static JsonNode resources(String id, Map<String, String> options, InputStream stdin) throws ContainerError {
        String file = options.getOrDefault("resources", options.get("r"));
        ObjectNode r;
        try {
            JsonNode read = file == null ? JsonNodeFactory.instance.objectNode() : JsonReader.read(read(file, stdin));
            if (!read.isObject()) {
                throw new ContainerError(id, "update", "--resources " + file + ": not a JSON object");
            }
            r = (ObjectNode) read;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ContainerError(id, "update", "--resources " + file + ": no such file");
        } catch (IOException e) {
            throw new ContainerError(id, "update", "cannot read --resources " + file + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
        for (String intelRdt : new String[] {"l3-cache-schema", "mem-bw-schema"}) {
            if (options.containsKey(intelRdt)) {
                throw new ContainerError(id, "update", "--" + intelRdt + ": Intel RDT is not supported");
            }
        }
        for (Map.Entry<String, String[]> f : FLAGS.entrySet()) {
            String value = options.get(f.getKey());
            if (value == null) {
                continue;
            }
            ObjectNode o = r.with(f.getValue()[0]);
            String key = f.getValue()[1];
            switch (f.getValue()[2]) {
                case "size" -> o.put(key, size(id, f.getKey(), value));
                case "number" -> o.put(key, number(id, f.getKey(), value));
                default -> o.put(key, value);
            }
        }
        return r;
    }

    private static long number(String id, String flag, String value) throws ContainerError {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new ContainerError(id, "update", "--" + flag + ": not a number: " + value);
        }
    }

    /** A size as runc takes it: bytes, or with a k, m, g or t suffix (powers of 1024), "b" optional; -1 for none. */
    static long size(String id, String flag, String value) throws ContainerError {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("-1")) {
            return -1;
        }
        if (v.endsWith("b")) {
            v = v.substring(0, v.length() - 1);
        }
        long unit = 1;
        int shift = "kmgt".indexOf(v.isEmpty() ? ' ' : v.charAt(v.length() - 1));
        if (shift >= 0) {
            unit = 1L << (10 * (shift + 1));
            v = v.substring(0, v.length() - 1);
        }
        try {
            long n = Long.parseLong(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ContainerError(id, "update", "--" + flag + ": not a size: " + value);
        }
    }
}
