package dev.contain.runtime.net;

/** A libnl failure, with libnl's own message, the operation and the object. */
public final class NetlinkException extends Exception {
    public NetlinkException(String message) {
        super(message);
    }
}
