package dev.contain.runtime.cli;

import dev.contain.runtime.base.ContainerError;

/** {@code contain pull REF}: an image from a registry into the store. */
final class PullCommand extends CliCommand {
    @Override
    Model define() {
        return Model.command(this, "pull", "Pull an image from a registry (OCI distribution API v2) into the store.")
                .positionals(String.class, "REF", "1", "NAME[:TAG] or NAME@sha256:..., with a registry (localhost:5000/app:1) or "
                        + "docker.io by default; http://HOST/NAME for a registry without TLS.")
                .option("USER:PASS", "Credentials (default: $REGISTRY_AUTH_FILE or ~/.docker/config.json).", "--creds")
                .option(String.class, "BOOL", "true", "Check the registry's TLS certificate (false: any, or plain HTTP).", "--tls-verify")
                .examples("Examples:", "contain pull docker.io/library/alpine:3.19", "contain pull --tls-verify=false localhost:5000/app:1");
    }

    @Override
    public Integer call() throws Exception {
        String ref = this.<String>positionals().get(0);
        String tls = option("--tls-verify", "true");
        if (!tls.equals("true") && !tls.equals("false")) {
            throw new ContainerError(null, "pull", "--tls-verify takes true or false, not '" + tls + "'");
        }
        engine().images().pull(ref, option("--creds"), tls.equals("true"), System.out, System.console() != null);
        return 0;
    }
}
