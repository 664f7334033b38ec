package dev.contain.runtime.kernel;

/** A libnl failure, with libnl's own message, the operation and the object. */
public final class NetlinkException extends Exception {
    public NetlinkException(String message) {
        super(message);
    }
}
