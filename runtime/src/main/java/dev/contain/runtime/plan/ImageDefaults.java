package dev.contain.runtime.plan;

import dev.contain.runtime.base.ContainerError;
import dev.contain.runtime.base.Signals;
import dev.contain.runtime.image.ImageConfig;
import dev.contain.runtime.image.ImageStore;
import dev.contain.spec.ContainerSpec;
import dev.contain.spec.UserRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The spec over the image's config, as docker and Kubernetes combine them: the spec's {@code command}
 * replaces entrypoint and cmd; without it, the image's entrypoint runs with the spec's {@code args} in place
 * of cmd (or cmd when there are none). The image's env lies under the spec's; its workdir and user apply
 * when the spec gives none.
 */
public record ImageDefaults(ContainerSpec spec, ImageStore.Resolved image) {
    List<String> argv(String container) throws ContainerError {
        if (spec.hasCommand()) {
            return spec.command();
        }
        ImageConfig c = image.config();
        List<String> argv = new ArrayList<>(c.entrypoint());
        argv.addAll(spec.command().isEmpty() ? c.cmd() : spec.command()); // spec.command() holds args only here
        if (argv.isEmpty()) {
            throw new ContainerError(container, "image", "the spec gives no command and image " + image.display()
                    + " has no entrypoint or cmd: add one, like command: [sh, -c, 'echo hello']");
        }
        return List.copyOf(argv);
    }

    Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String kv : image.config().env()) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                env.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return env;
    }

    String workdir() {
        String w = image.config().workdir();
        if (spec.gives("workdir") || w == null) {
            return spec.workdir();
        }
        return w.startsWith("/") ? w : "/" + w;
    }

    UserRef user() {
        String u = image.config().user();
        if (spec.gives("user") || u == null) {
            return spec.user();
        }
        String[] ug = u.split(":", 2);
        Long uid = ug[0].matches("\\d{1,10}") ? Long.valueOf(ug[0]) : null;
        String group = ug.length > 1 ? ug[1] : null;
        Long gid = group != null && group.matches("\\d{1,10}") ? Long.valueOf(group) : null;
        return new UserRef(uid, gid, uid == null ? ug[0] : null, group != null && gid == null ? group : null);
    }

    /** The signal that asks the command to stop (the image's StopSignal; SIGTERM by default). */
    static int stopSignal(ImageStore.Resolved image) {
        String s = image.config().stopSignal();
        int n = s == null ? -1 : Signals.parse(s);
        return n > 0 ? n : Signals.SIGTERM;
    }

    /** For the run: SIGTERM sent to the engine becomes the image's stop signal. */
    public static int translate(ImageStore.Resolved image, int signal) {
        return signal == Signals.SIGTERM && image != null ? stopSignal(image) : signal;
    }
}
