package dev.contain.spec;

/** One line of a uid_map or gid_map: ids [container, container+size) map to [host, host+size). */
public record IdMapping(long container, long host, long size) {
    public boolean overlapsInContainer(IdMapping other) {
        return container < other.container + other.size && other.container < container + size;
    }

    public boolean overlapsOnHost(IdMapping other) {
        return host < other.host + other.size && other.host < host + size;
    }

    @Override
    public String toString() {
        return container + " " + host + " " + size;
    }
}
