package dev.contain.runtime.ids;

/**
 * One line of a uid_map or gid_map, the engine's own type (a front end translates its own form into it):
 * ids [container, container+size) are host ids [host, host+size).
 */
public record IdMap(long container, long host, long size) {
    @Override
    public String toString() {
        return container + " " + host + " " + size;
    }
}
