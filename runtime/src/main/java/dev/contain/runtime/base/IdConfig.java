package dev.contain.runtime.base;

/**
 * The engine's choices about containers' ids (global options): where ranges come from ({@code --id-pool}:
 * auto, subuid, subuid:NAME, builtin; see {@code ids.IdPool.choose}) and how image files keep their owners
 * inside ({@code --id-layers}: auto, idmap, copy; see {@link Layers}).
 */
public record IdConfig(String pool, Layers layers) {
    public static final IdConfig DEFAULT = new IdConfig("auto", Layers.AUTO);

    /**
     * AUTO: idmapped mounts where the kernel and the layer's filesystem support them, else a copy chowned
     * for the range. IDMAP: always idmapped (a run fails where it cannot be). COPY: always the copy.
     */
    public enum Layers {
        AUTO, IDMAP, COPY;

        public static Layers parse(String text) {
            for (Layers l : values()) {
                if (l.name().equalsIgnoreCase(text)) {
                    return l;
                }
            }
            throw new IllegalArgumentException("--id-layers '" + text + "': use auto, idmap or copy");
        }
    }
}
