package dev.contain.spec;

import java.util.List;

/** Inputs for the fuzz and hostile-input tests: a spec using every key, and lines that attack the checks behind the syntax. */
final class Hostile {
    private Hostile() {}

    /** Valid, with every key (a bind of "." exists wherever it is parsed). */
    static final String VALID = """
            name: all-keys
            image: busybox
            layers: [./layer]
            command: [sh, -c, 'echo hi']
            args: [one, 2, true]
            env: { A: "1", B: two }
            workdir: /srv
            user: "1000:1000"
            hostname: all-keys.local
            resources: { memory: 64Mi, swap: 16Mi, cpu: 50%, cpuWeight: 200, pids: 64 }
            network: { bridge: br-all, subnet: 10.77.0.0/24, address: 10.77.0.5/24, gateway: 10.77.0.1 }
            namespaces: [user, uts, pid, net, mnt, ipc, cgroup]
            users: { uid: [{ container: 0, host: 100000, size: 65536 }] }
            mounts:
              - { source: ., target: /data, readOnly: true }
              - { type: tmpfs, target: /tmp, size: 16Mi }
            readonlyRootfs: true
            init: true
            cgroupParent: contain
            """;

    /** Lines with values that get past YAML's syntax to the validator's checks. */
    static final List<String> LINES = List.of(
            "workdir: \"/a\\0b\"",
            "workdir: \"/\\ud800\"",
            "image: \"busy\\0box\"",
            "image: \"./\\udfff.tar\"",
            "layers: [\"\\0\", \"a\\ud800\", \"" + "l".repeat(5000) + "\"]",
            "cgroupParent: \"a\\0\"",
            "cgroupParent: \"../..\"",
            "hostname: \"a\\nb\"",
            "name: \"x\\u202ey\"",
            "user: \"\\0\"",
            "user: \"99999999999999999999999:1\"",
            "user: " + "u".repeat(100_000),
            "env: {\"A\\0\": 1, B: \"\\ud800\", \"=\": x}",
            "env: {A: \"" + "v".repeat(140_000) + "\"}",
            "command: [\"\\0\"]",
            "command: [\"" + "c".repeat(140_000) + "\"]",
            "args: [!custom x, !!binary aGk=, [nested]]",
            "mounts: [{source: \"\\0\", target: \"/\\ud800\"}]",
            "mounts: [{source: /nonexistent/dir, target: /x}, {type: tmpfs, target: /proc/sys}]",
            "mounts: [{type: tmpfs, target: /dev, size: 99999999999999999999Pi}]",
            "resources: {memory: 9223372036854775807, swap: 9223372036854775807}",
            "resources: {cpu: 1e30%, pids: 1.5, cpuWeight: 99999999999999999999}",
            "resources: {cpu: 100, memory: 1" + "0".repeat(200_000) + "}",
            "resources: {memory: 1." + "5".repeat(200_000) + "Mi}",
            "resources: {cpu: 0." + "0".repeat(100_000) + "1%}",
            "users: {uid: [{container: 0, host: 0, size: 9223372036854775807}]}",
            "users: {uid: [{container: 4294967294, host: 1, size: 2}], gid: []}",
            "users: {uid: [" + "{container: 0, host: 0}, ".repeat(400) + "]}",
            "users: {uid: [" + "{container: 0, host: 0, size: 1}, ".repeat(3000) + "]}",
            "network: {subnet: 0.0.0.0/0}",
            "network: {subnet: 127.0.0.0/8, gateway: 127.0.0.0}",
            "network: {address: 224.0.0.5/4}",
            "network: {bridge: lo, address: 10.0.0.2/24, gateway: 10.0.0.255}",
            "network: {bridge: \"br\\u00fc\", subnet: 10.0.0.0/24}",
            "network: {address: \"\\uff11\\uff10.0.0.2/24\"}",
            "network: {address: \"10.0.0.2/\\u0662\\u0664\"}",
            "network: [{bridge: a, subnet: 10.0.0.0/31}, host, {mode: container:x}]",
            "network: {mode: \"container:\\0\"}",
            "namespaces: [\"\\0\", mnt, mnt, " + "x".repeat(50_000) + "]",
            "? " + "memroy".repeat(20_000) + "\n: 1",
            "resources: {" + "memroy".repeat(100) + ": 1}");
}
