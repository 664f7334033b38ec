package dev.contain.spec;

import java.util.regex.Pattern;

/** Name rules from RFC 1123: container names are one label, hostnames dot-separated labels. */
public final class Names {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern HOST_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    /** The kernel's HOST_NAME_MAX. */
    public static final int HOSTNAME_MAX = 64;

    private Names() {}

    public static boolean isContainerName(String name) {
        return LABEL.matcher(name).matches();
    }

    public static boolean isHostname(String name) {
        if (name.isEmpty() || name.length() > HOSTNAME_MAX) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (!HOST_LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }
}
