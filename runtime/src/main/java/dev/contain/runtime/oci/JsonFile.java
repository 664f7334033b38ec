package dev.contain.runtime.oci;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.contain.runtime.base.ContainerError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** A JSON object the caller hands in (a bundle's config.json, an exec's --process file): read once, errors say where. */
final class JsonFile {
    /** Far above any real config (podman's are a few KiB), far below what would exhaust the engine's capped heap. */
    static final long MAX_BYTES = 16L << 20;

    private JsonFile() {}

    /** Jackson's inner locations name a redacted source: "[Source: REDACTED (...); line: 1, column: 22]" -> "line 1, column 22". */
    private static String plain(String message) {
        return message.replaceAll("\\[Source: [^;]*; line: (\\d+), column: (\\d+)\\]", "line $1, column $2");
    }

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
            JsonNode json = new ObjectMapper().readTree(file.toFile());
            if (json == null || !json.isObject()) {
                throw new ContainerError(id, stage, what + " " + file + ": not a JSON object");
            }
            return json;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ContainerError(id, stage, what + " " + file + ": not valid JSON" + where + ": " + plain(e.getOriginalMessage()));
        } catch (NoSuchFileException e) {
            throw new ContainerError(id, stage, "no " + what + " at " + file);
        } catch (IOException e) {
            throw new ContainerError(id, stage, "cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }
}
