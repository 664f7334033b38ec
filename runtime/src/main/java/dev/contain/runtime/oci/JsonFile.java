package dev.contain.runtime.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.json.JsonReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** A JSON object the caller hands in (a bundle's config.json, an exec's --process file): read once, errors say where. */
final class JsonFile {
    /** Far above any real config (podman's are a few KiB), far below what would exhaust the engine's capped heap. */
    static final long MAX_BYTES = 16L << 20;

    private JsonFile() {}

    /** The object in {@code file}; {@code what} names it in messages ("config.json", "--process FILE"). */
    static JsonNode readObject(String id, String stage, String what, Path file) throws ContainerError {
        try {
            if (Files.isDirectory(file)) {
                throw new ContainerError(id, stage, what + " " + file + " is a folder, not a file");
            }
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new ContainerError(id, stage, what + " " + file + " is " + (size >> 20) + " MiB; the most this runtime reads is "
                        + (MAX_BYTES >> 20) + " MiB");
            }
            JsonNode json = JsonReader.read(file);
            if (!json.isObject()) {
                throw new ContainerError(id, stage, what + " " + file + ": not a JSON object");
            }
            return json;
        } catch (JsonReader.SyntaxError e) {
            throw new ContainerError(id, stage, what + " " + file + ": not valid JSON at " + e.getMessage());
        } catch (NoSuchFileException e) {
            throw new ContainerError(id, stage, "no " + what + " at " + file);
        } catch (IOException e) {
            throw new ContainerError(id, stage, "cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }
}
