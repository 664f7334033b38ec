#!/usr/bin/env python3
"""contain beside runc, crun, bubblewrap, unshare and podman: start-up, throughput, growth, stage breakdown, images.

Each runtime runs /bin/true from the same busybox rootfs with all namespaces and the same limits
(memory 64Mi, cpu 50%, pids 64; bubblewrap and unshare have no limits: they are floors). Runs are
paired and alternated (round i runs every runtime once, starting at a rotating position), so drift in
the machine's state spreads evenly. Wall time and peak RSS (the largest process of the run, from wait4)
are measured per run. Prints Markdown tables for the README.
"""
import argparse
import datetime
import json
import os
import platform
import re
import pty
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTAIN = os.path.join(ROOT, "build", "contain")
BUSYBOX = os.path.join(ROOT, "build", "busybox.tar")
NETNS = "contain-bench"
# podman's container as the spec's (bench-*.yaml): no network, the same memory, cpu and pids limits. The rlimits:
# this sandbox lacks CAP_SYS_RESOURCE, so podman's defaults (nofile 1048576, nproc 4194304) cannot be set.
PODMAN_AS_SPEC = ["--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "--memory", "64m",
                  "--cpus", "0.5", "--pids-limit", "64"]


def timed(cmd, env=None):
    """Runs cmd under GNU time (the same small wrapper for every runtime, so a forked Python's memory is
    not counted); returns (wall ms, peak RSS KiB of the largest process, exit status, stderr)."""
    err = tempfile.TemporaryFile()
    with tempfile.NamedTemporaryFile(mode="r") as rss:
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-q", "-f", "%M", "-o", rss.name] + cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=err, env=env)
        wall = (time.perf_counter() - t0) * 1000
        lines = rss.read().split()
    err.seek(0)
    return wall, int(lines[-1]) if lines else 0, p.returncode, err.read().decode(errors="replace")


def podman_cgroups():
    """podman's cgroup folders (libpod_parent and below), deepest last."""
    found = set()
    for top, dirs, _ in os.walk("/sys/fs/cgroup"):
        if "libpod_parent" in top.split(os.sep):
            found.add(top)
        for d in dirs:
            if d == "libpod_parent":
                found.add(os.path.join(top, d))
        if top.count(os.sep) > 6:
            dirs[:] = []
    return found


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="contain-bench-")
        os.chmod(self.work, 0o711)  # a container's root is an unprivileged host uid now: it must pass through
        self.rootfs = os.path.join(self.work, "rootfs")
        os.makedirs(self.rootfs)
        sh(["tar", "-xf", BUSYBOX, "-C", self.rootfs])
        self.data = os.path.join(self.work, "data")
        self.run_root = os.path.join(self.work, "run")
        self.counter = 0
        self.notes = []
        self.spec = self.write_spec("bench", "")
        self.bridge_spec = self.write_spec("bench-net", "network: { bridge: cb0, subnet: 10.99.0.0/24 }\n")
        self.bundle = self.make_bundle()
        self.runtimes = self.detect()

    def write_spec(self, name, extra, layers=None, command="[/bin/true]"):
        path = os.path.join(self.work, name + ".yaml")
        with open(path, "w") as f:
            f.write(f"image: {self.rootfs}\nresources: {{ memory: 64Mi, cpu: 50%, pids: 64 }}\n{extra}")
            if layers:
                f.write("layers: [" + ", ".join(layers) + "]\n")
            f.write(f"command: {command}\n")
        return path

    def make_bundle(self):
        bundle = os.path.join(self.work, "bundle")
        os.makedirs(bundle)
        sh(["runc", "spec", "--bundle", bundle])
        with open(os.path.join(bundle, "config.json")) as f:
            config = json.load(f)
        config["process"]["args"] = ["/bin/true"]
        config["process"]["terminal"] = False
        config["root"] = {"path": self.rootfs, "readonly": False}
        linux = config["linux"]
        kinds = {n["type"] for n in linux["namespaces"]}
        for kind in ("pid", "network", "ipc", "uts", "mount", "user", "cgroup"):
            if kind not in kinds:
                linux["namespaces"].append({"type": kind})
        linux["uidMappings"] = [{"containerID": 0, "hostID": 0, "size": 65536}]
        linux["gidMappings"] = [{"containerID": 0, "hostID": 0, "size": 65536}]
        linux["resources"] = {"memory": {"limit": 64 << 20}, "cpu": {"quota": 50000, "period": 100000},
                              "pids": {"limit": 64}}
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(config, f)
        return bundle

    def next_id(self):
        self.counter += 1
        return f"cb{os.getpid()}-{self.counter}"

    def contain(self, spec, java17=False, netns=False, extra=()):
        env = dict(os.environ)
        if java17:
            env["JAVA"] = "java"  # the launcher's JDK 17 path, with the AppCDS archive
        else:
            env.pop("JAVA", None)
        prefix = ["nsenter", f"--net=/run/netns/{NETNS}"] if netns else []
        return lambda name=None: (prefix + [CONTAIN, "--root", self.data, "--run-root", self.run_root, "run", "-q",
                                            "--name", name or self.next_id(), *extra, spec], env)

    def contain_label(self):
        """Which start-up archive the launcher uses (the first line of --trace names it)."""
        p = subprocess.run([CONTAIN, "--root", self.data, "--run-root", self.run_root, "run", "--dry-run", "--trace",
                            self.spec], capture_output=True, text=True)
        first = next((l for l in p.stderr.splitlines() if l.startswith("trace: archive:")), "")
        return ("contain (JDK 25 AOT cache)" if "AOT cache" in first else
                "contain (AppCDS)" if "CDS" in first else "contain (no start-up archive)")

    def lifecycle(self):
        """Detached containers: run -d until the command runs, stop of one that handles SIGTERM, the
        monitor's memory; beside podman run -d / podman stop."""
        n = self.args.runs if self.args.lifecycle else max(5, self.args.runs // 3)
        handler = "[sh, -c, 'trap \"exit 3\" TERM; while true; do sleep 0.05; done']"
        spec = self.write_spec("bench-detached", "", command=handler)
        base = [CONTAIN, "--root", self.data, "--run-root", self.run_root]
        rows = {"contain run -d": [], "contain stop": [], "podman run -d (runc)": [], "podman stop (runc)": []}
        rss = []
        for _ in range(n):
            name = self.next_id()
            time.sleep(self.args.pause)
            rows["contain run -d"].append(timed(base + ["run", "-d", "--name", name, spec])[0])
            state = json.loads(sh(base + ["inspect", name]))
            with open(f"/proc/{state['pid']}/stat") as f:
                monitor = f.read().rsplit(")", 1)[1].split()[1]
            with open(f"/proc/{monitor}/status") as f:
                rss.append(next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")))
            time.sleep(self.args.pause)
            rows["contain stop"].append(timed(base + ["stop", name])[0])
            subprocess.run(base + ["rm", name], capture_output=True)
            if self.podman_image:
                name = self.next_id()
                time.sleep(self.args.pause)
                rows["podman run -d (runc)"].append(timed(["podman", "--runtime", "runc", "run", "-d", "--name", name,
                    *PODMAN_AS_SPEC, self.podman_image, "sh", "-c", "trap 'exit 3' TERM; while true; do sleep 0.05; done"])[0])
                time.sleep(self.args.pause)
                rows["podman stop (runc)"].append(timed(["podman", "stop", name])[0])
                subprocess.run(["podman", "rm", name], capture_output=True)
        print(f"\n### Detached containers ({n} each, alternated): run -d until the command runs, stop of a command that handles SIGTERM\n")
        print("| operation | median | min | max |")
        print("|---|---:|---:|---:|")
        for name, walls in rows.items():
            if walls:
                print(f"| {name} | {statistics.median(walls):.1f} ms | {min(walls):.1f} | {max(walls):.1f} |")
        print(f"\nthe monitor that holds a detached container: VmRSS median {statistics.median(rss):.0f} KiB")
        for ours, theirs in (("contain run -d", "podman run -d (runc)"), ("contain stop", "podman stop (runc)")):
            if rows[ours] and rows[theirs]:  # issue 13's targets are ratios: run -d <= 0.5x podman's
                print(f"{ours}: {statistics.median(rows[ours]) / statistics.median(rows[theirs]):.2f}x {theirs} (medians)")

    def detect(self):
        """Every runtime that works here, checked with one run; the rest are reported as skipped."""
        state = os.path.join(self.work, "oci-state")
        candidates = [
            (self.contain_label(), self.contain(self.spec)),
            ("contain (JDK 17 AppCDS)", self.contain(self.spec, java17=True)),
            ("contain, bridge network", self.contain(self.bridge_spec, netns=True)),
            ("runc", lambda name=None: (["runc", "--root", state, "run", "--bundle", self.bundle, name or self.next_id()], None)),
            # crun 1.8 refuses this machine's hybrid cgroups: it runs in a private mount namespace without
            # /sys/fs/cgroup/unified (the unshare and umount add about a millisecond)
            ("crun (unified tree hidden)", lambda name=None: (["unshare", "-m", "sh", "-c",
                "umount -l /sys/fs/cgroup/unified 2>/dev/null; exec crun --root " + state + " run --bundle "
                + self.bundle + " " + (name or self.next_id())], None)),
            ("bubblewrap (no limits)", lambda name=None: (["bwrap", "--unshare-all", "--uid", "0", "--gid", "0", "--bind",
                self.rootfs, "/", "--proc", "/proc", "--dev", "/dev", "/bin/true"], None)),
            ("unshare (no rootfs, no limits)", lambda name=None: (["unshare", "--user", "--map-root-user", "--uts", "--pid",
                "--fork", "--net", "--mount", "--ipc", "--cgroup", "/bin/true"], None)),
        ]
        self.podman_image = None
        if shutil.which("podman"):
            self.podman_image = "localhost/contain-bench-busybox"
            self.podman_cgroups_before = podman_cgroups()
            subprocess.run(["podman", "import", BUSYBOX, self.podman_image], capture_output=True)
            # runc: crun 1.8 refuses hybrid cgroups
            candidates.append(("podman run --rm (runc)", lambda name=None: (["podman", "--runtime", "runc", "run", "--rm",
                *PODMAN_AS_SPEC, self.podman_image, "/bin/true"], None)))
            self.notes.append("podman runs with runc (crun 1.8 refuses hybrid cgroups) and nofile/nproc limits of 1024 "
                              "(this sandbox cannot raise limits, which podman's defaults need)")
        subprocess.run(["ip", "netns", "add", NETNS], capture_output=True)
        works = []
        for name, make in candidates:
            cmd, env = make()
            wall, _, rc, err = timed(cmd, env)
            if rc == 0:
                works.append((name, make))
            else:
                self.notes.append(f"{name}: skipped, it fails here: {err.strip().splitlines()[-1] if err.strip() else rc}")
        return works

    def startup(self):
        n = self.args.runs
        results = {name: [] for name, _ in self.runtimes}
        for i in range(n):
            k = i % len(self.runtimes)
            for name, make in self.runtimes[k:] + self.runtimes[:k]:
                cmd, env = make()
                # a pause, so no run finds the machine busy with the last one's leftovers (podman's cleanup
                # processes, the kernel's deferred namespace and cgroup teardown): each starts as a cold CLI call
                time.sleep(self.args.pause)
                wall, rss, rc, err = timed(cmd, env)
                if rc != 0:
                    raise SystemExit(f"{name} failed: {err}")
                results[name].append((wall, rss))
        runc = statistics.median(w for w, _ in results["runc"]) if "runc" in results else None
        podman = next((statistics.median(w for w, _ in results[name]) for name in results if name.startswith("podman")), None)
        print(f"\n### Start-up: /bin/true, all namespaces, memory+cpu+pids limits ({n} runs each, paired and alternated, {self.args.pause:g} s apart)\n")
        print("| runtime | median | min | max | vs runc | vs podman | peak RSS |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, _ in self.runtimes:
            walls = [w for w, _ in results[name]]
            med = statistics.median(walls)
            rss = statistics.median(r for _, r in results[name]) / 1024
            ratio = f"{med / runc:.2f}x" if runc else "-"
            vs_podman = f"{med / podman:.2f}x" if podman else "-"
            print(f"| {name} | {med:.1f} ms | {min(walls):.1f} | {max(walls):.1f} | {ratio} | {vs_podman} | {rss:.1f} MiB |")
        return results

    def exec_bench(self):
        """exec of /bin/true into a running container: contain (without and with -t, a pty as stdio) beside runc exec."""
        n = self.args.runs
        sleeper = "[sh, -c, 'while true; do sleep 1; done']"
        spec = self.write_spec("bench-exec", "", command=sleeper)
        base = [CONTAIN, "--root", self.data, "--run-root", self.run_root]
        name = "cbexec" + str(os.getpid())
        sh(base + ["run", "-d", "--name", name, spec])
        state = os.path.join(self.work, "oci-state")
        bundle = os.path.join(self.work, "bundle-exec")
        shutil.copytree(self.bundle, bundle)
        with open(os.path.join(bundle, "config.json")) as f:
            config = json.load(f)
        config["process"]["args"] = ["sh", "-c", "while true; do sleep 1; done"]
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(config, f)
        runc_id = name + "-runc"
        runc = subprocess.run(["runc", "--root", state, "run", "-d", "--bundle", bundle, runc_id], stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
        cases = [("contain exec (its native path)", base + ["exec", name, "--", "/bin/true"], False),
                 ("contain exec, a pty as stdio", base + ["exec", name, "--", "/bin/true"], True),
                 ("contain exec, the JVM's path (CONTAIN_FAST_EXEC=off)", ["env", "CONTAIN_FAST_EXEC=off"] + base + ["exec", name, "--", "/bin/true"], False),
                 ("contain exec -t, a pty as stdio (the JVM's path)", base + ["exec", "-t", name, "--", "/bin/true"], True)]
        if runc:
            cases.append(("runc exec", ["runc", "--root", state, "exec", runc_id, "/bin/true"], False))
        else:
            self.notes.append("runc exec: skipped, runc run -d failed here")
        walls = {c[0]: [] for c in cases}
        try:
            for i in range(n):
                k = i % len(cases)
                for label, cmd, tty in cases[k:] + cases[:k]:
                    time.sleep(self.args.pause)
                    master, slave = pty.openpty() if tty else (None, None)
                    t0 = time.perf_counter()
                    p = subprocess.run(cmd, stdin=slave if tty else subprocess.DEVNULL, stdout=slave if tty else subprocess.DEVNULL,
                                       stderr=slave if tty else subprocess.PIPE)
                    walls[label].append((time.perf_counter() - t0) * 1000)
                    if tty:
                        os.close(slave)
                        os.close(master)
                    if p.returncode != 0:
                        raise SystemExit(f"{label} failed: {p.returncode} {p.stderr or ''}")
        finally:
            subprocess.run(base + ["rm", "-f", name], capture_output=True)
            if runc:
                subprocess.run(["runc", "--root", state, "kill", runc_id, "KILL"], capture_output=True)
                time.sleep(0.2)
                subprocess.run(["runc", "--root", state, "delete", "-f", runc_id], capture_output=True)
        print(f"\n### exec: /bin/true into a running container ({n} runs each, alternated, {self.args.pause:g} s apart)\n")
        print("| command | median | min | max |")
        print("|---|---:|---:|---:|")
        for label, _, _ in cases:
            w = walls[label]
            print(f"| {label} | {statistics.median(w):.1f} ms | {min(w):.1f} | {max(w):.1f} |")

    def oci(self):
        """The OCI front end: runc's create, start, delete on one bundle (/bin/true) for contain-oci, runc and crun,
        and podman run --rm with contain-oci as its runtime beside podman's own runtimes."""
        n = max(5, self.args.runs // 3)
        state = os.path.join(self.work, "oci-seq")
        oci = os.path.join(ROOT, "build", "contain-oci")
        runtimes = [("contain-oci", [oci, "--root", state]), ("runc", ["runc", "--root", state])]
        if shutil.which("crun"):  # crun 1.8 refuses hybrid cgroups unless the unified tree is hidden (see start-up)
            runtimes.append(("crun (unified tree hidden)", ["unshare", "-m", "sh", "-c",
                             'umount -l /sys/fs/cgroup/unified 2>/dev/null; exec crun "$@"', "crun", "--root", state]))
        steps = {(name, step): [] for name, _ in runtimes for step in ("create", "start", "delete", "total")}
        for i in range(n):
            k = i % len(runtimes)
            for name, cmd in runtimes[k:] + runtimes[:k]:
                cid = self.next_id()
                time.sleep(self.args.pause)
                total = 0.0
                for step, args in (("create", ["create", "--bundle", self.bundle, cid]), ("start", ["start", cid]),
                                   ("delete", ["delete", "--force", cid])):
                    wall, _, rc, err = timed(cmd + args)
                    if rc != 0:
                        subprocess.run(cmd + ["delete", "--force", cid], capture_output=True)
                        raise SystemExit(f"{name} {step} failed: {err}")
                    steps[(name, step)].append(wall)
                    total += wall
                steps[(name, "total")].append(total)
        print(f"\n### OCI runtime: create, start, delete of a bundle running /bin/true ({n} each, alternated)\n")
        print("| runtime | create | start | delete | sequence |")
        print("|---|---:|---:|---:|---:|")
        for name, _ in runtimes:
            cells = [f"{statistics.median(steps[(name, s)]):.1f} ms" for s in ("create", "start", "delete", "total")]
            print(f"| {name} | " + " | ".join(cells) + " |")
        if not self.podman_image:
            return
        podman = ["podman", "run", "--rm", *PODMAN_AS_SPEC, self.podman_image, "/bin/true"]
        cases = [(f"podman --runtime {r} run --rm", podman[:1] + ["--runtime", path] + podman[1:])
                 for r, path in (("contain-oci", oci), ("runc", "runc"), ("crun", "crun"))]
        walls = {label: [] for label, _ in cases}
        failed = set()
        for i in range(n):
            k = i % len(cases)
            for label, cmd in cases[k:] + cases[:k]:
                if label in failed:
                    continue
                time.sleep(self.args.pause)
                wall, _, rc, err = timed(cmd)
                if rc != 0:
                    failed.add(label)
                    self.notes.append(f"{label}: skipped, it fails here: {err.strip().splitlines()[-1] if err.strip() else rc}")
                else:
                    walls[label].append(wall)
        print(f"\n### podman with each runtime: run --rm of /bin/true ({n} each, alternated)\n")
        print("| command | median | min | max |")
        print("|---|---:|---:|---:|")
        for label, w in walls.items():
            if w:
                print(f"| {label} | {statistics.median(w):.1f} ms | {min(w):.1f} | {max(w):.1f} |")

    def throughput(self):
        n = self.args.throughput
        print(f"\n### Throughput: {n} containers one after another, and {n} with 2 at a time\n")
        print("| runtime | sequential total | per container | 2 at a time total | per container |")
        print("|---|---:|---:|---:|---:|")
        for name, make in self.runtimes:
            if "unshare" in name:
                continue
            t0 = time.perf_counter()
            for _ in range(n):
                cmd, env = make()
                subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            seq = time.perf_counter() - t0
            lock = threading.Lock()

            def worker(count):
                for _ in range(count):
                    with lock:
                        cmd, env = make()
                    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            t0 = time.perf_counter()
            threads = [threading.Thread(target=worker, args=(n // 2,)) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            par = time.perf_counter() - t0
            print(f"| {name} | {seq:.2f} s | {seq / n * 1000:.1f} ms | {par:.2f} s | {par / n * 1000:.1f} ms |")

    def median_contain(self, spec, runs=15, extra=()):
        make = self.contain(spec, extra=extra)
        walls = []
        for _ in range(runs):
            cmd, env = make()
            wall, _, rc, err = timed(cmd, env)
            if rc != 0:
                raise SystemExit(f"contain failed: {err}")
            walls.append(wall)
        return statistics.median(walls)

    def growth(self):
        print("\n### Growth: contain start-up against layers, and against containers already running\n")
        print("| condition | median |")
        print("|---|---:|")
        for count in (1, 10, 50):
            layers = []
            for i in range(count):
                d = os.path.join(self.work, "layers", f"l{i}")
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, f"file{i}"), "w") as f:
                    f.write("x\n")
                layers.append(d)
            spec = self.write_spec(f"layers{count}", "", layers=layers)
            print(f"| {count} layers | {self.median_contain(spec):.1f} ms |")
        background = []
        sleeper = self.write_spec("sleeper", "init: true\n", command="[sleep, '600']")
        try:
            for target in (1, 10, 50):
                while len(background) < target:
                    name = f"bg{len(background)}"
                    cmd, env = self.contain(sleeper)(name)
                    background.append(subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                    pid_file = os.path.join(self.run_root, name, "pid")
                    deadline = time.time() + 30
                    while not os.path.exists(pid_file) and time.time() < deadline:
                        time.sleep(0.02)
                print(f"| {target} running | {self.median_contain(self.spec):.1f} ms |")
        finally:
            for p in background:
                p.terminate()  # SIGTERM is forwarded; the reaping init ends sleep
            for p in background:
                p.wait(timeout=60)

    def breakdown(self):
        totals = {}
        order = []
        make = self.contain(self.spec, extra=("--trace",))
        for _ in range(self.args.runs):
            cmd, env = make()
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stderr
            for line in out.splitlines():
                phase = re.fullmatch(r"trace: (\S.*?) +([0-9.]+) ms", line)  # not the detail lines (archive:, userns:)
                if phase:
                    name = phase.group(1)
                    if name not in totals:
                        order.append(name)
                    totals.setdefault(name, []).append(float(phase.group(2)))
        print(f"\n### Where a contain run's time goes (--trace, median of {self.args.runs})\n")
        print("| phase | median |")
        print("|---|---:|")
        for name in order:
            print(f"| {name} | {statistics.median(totals[name]):.2f} ms |")

    def warm(self):
        classes = os.path.join(self.work, "warm-classes")
        jar = os.path.join(ROOT, "runtime", "target", "contain.jar")
        sh(["javac", "-d", classes, "-cp", jar, os.path.join(ROOT, "bench", "WarmBench.java")])
        n = self.args.throughput
        out = sh(["java", "-cp", jar + ":" + classes, "WarmBench", self.spec, self.data, self.run_root, str(n)]).split()
        print(f"\n### Warm: {n} containers in sequence through the library API in one JVM (after 10 warm-up runs)\n")
        print(f"per container: median {float(out[0]):.1f} ms, mean {float(out[1]):.1f} ms, min {float(out[2]):.1f}, max {float(out[3]):.1f}")

    def close(self):
        subprocess.run(["ip", "netns", "del", NETNS], capture_output=True)
        if shutil.which("podman"):
            subprocess.run(["podman", "rmi", "-f", "localhost/contain-bench-busybox"], capture_output=True)
            # podman leaves its parent cgroup (libpod_parent) in every hierarchy; remove the ones its runs made
            for d in sorted(podman_cgroups() - self.podman_cgroups_before, key=len, reverse=True):
                try:
                    os.rmdir(d)
                except OSError:
                    pass
        subprocess.run([CONTAIN, "--root", self.data, "--run-root", self.run_root, "gc"], capture_output=True)
        shutil.rmtree(self.work, ignore_errors=True)


def images_only(args, header=True):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from images import ImageBench
    images = ImageBench(ROOT, CONTAIN, args.image_runs)
    try:
        if header:
            cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
            print(f"## contain image benchmark, {datetime.date.today()}: {os.cpu_count()} cores ({cpu}), Linux {platform.release()}")
        images.report()
    finally:
        images.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs per runtime for start-up (default 30)")
    parser.add_argument("--throughput", type=int, default=100, help="containers per throughput test (default 100)")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds of quiet before each start-up run (default 0.2)")
    parser.add_argument("--quick", action="store_true", help="start-up and breakdown only")
    parser.add_argument("--images", action="store_true", help="the image rows only (import, pull)")
    parser.add_argument("--oci", action="store_true", help="the OCI runtime rows only (create/start/delete, podman --runtime)")
    parser.add_argument("--lifecycle", action="store_true", help="the detached-container rows only (run -d, stop, the "
                        "monitor's memory; beside podman), --runs of each")
    parser.add_argument("--exec", action="store_true", help="the exec rows only (contain exec's two paths, runc exec)")
    parser.add_argument("--image-runs", type=int, default=3, help="runs per image operation (default 3)")
    args = parser.parse_args()
    if args.images:
        images_only(args)
        return
    bench = Bench(args)
    try:
        cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
        print(f"## contain benchmark, {datetime.date.today()}: {os.cpu_count()} cores ({cpu}), Linux {platform.release()}")
        if args.oci:
            bench.oci()
        elif args.lifecycle:
            bench.lifecycle()
        elif args.exec:
            bench.exec_bench()
        else:
            bench.startup()
            bench.breakdown()
            bench.exec_bench()
        if not args.quick and not args.oci and not args.lifecycle and not args.exec:
            bench.lifecycle()
            bench.oci()
            bench.warm()
            bench.throughput()
            bench.growth()
            images_only(args, header=False)
        for note in bench.notes:
            print(f"\n- {note}")
    finally:
        bench.close()


if __name__ == "__main__":
    main()
