"""Images: import and pull of the Debian image (build/debian.tar of `make image-debian`, made an OCI image
by `podman import`) beside `podman load`, `podman pull` and `skopeo copy`, from Debian's docker-registry
on 127.0.0.1 in a network namespace the bench makes (nothing leaves loopback). Every run starts from an
empty store (a fresh data root for contain, a fresh --root for podman), so each one unpacks everything;
runs are alternated. The second pull is of an image sharing all but its top layer with the first.
"""
import os
import shutil
import statistics
import subprocess
import tempfile
import time

NETNS = "contain-bench-registry"
PORT = 5055
REG = f"127.0.0.1:{PORT}"


def sh(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()[-2000:]}")
    return p.stdout


def unmount_under(d):
    with open("/proc/self/mountinfo") as f:
        points = [l.split()[4] for l in f if l.split()[4] == d or l.split()[4].startswith(d + "/")]
    for p in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", "-l", p], capture_output=True)


def in_netns(cmd):
    return ["nsenter", f"--net=/run/netns/{NETNS}"] + cmd


class ImageBench:
    def __init__(self, root, contain, runs):
        self.contain_bin = contain
        self.runs = runs
        self.debian = os.path.join(root, "build", "debian.tar")
        self.work = tempfile.mkdtemp(prefix="contain-bench-images-")
        self.runbase = tempfile.mkdtemp(prefix="cbr-")
        self.registry = None
        self.netns = False
        self.stores = []

    def missing(self):
        """Why the image rows cannot run here, or None."""
        for tool in ("podman", "skopeo", "docker-registry", "nsenter"):
            if not shutil.which(tool):
                return f"{tool} is not installed"
        if not os.path.exists(self.debian):
            return "build/debian.tar is missing (make image-debian)"
        return None

    def podman(self, root, *args):
        # podman refuses a runroot longer than 50 characters: a short one beside each store
        runroot = os.path.join(self.runbase, os.path.basename(root))
        return ["podman", "--root", os.path.join(root, "root"), "--runroot", runroot,
                "--storage-driver", "overlay", "--cgroup-manager", "cgroupfs", "--events-backend", "file", *args]

    def prepare(self):
        """The images, as archives and in the registry: debian:1 (one layer), debian:2 (debian:1 + one small layer)."""
        build = os.path.join(self.work, "build-store")
        sh(self.podman(build, "import", self.debian, "localhost/bench/debian:1"))
        ctx = os.path.join(self.work, "ctx")
        os.makedirs(ctx)
        with open(os.path.join(ctx, "Containerfile"), "w") as f:
            f.write("FROM localhost/bench/debian:1\nRUN echo extra > /bench-extra\n")
        sh(self.podman(build, "build", "--isolation", "chroot", "-t", "localhost/bench/debian:2", ctx))
        self.oci = os.path.join(self.work, "debian.oci.tar")
        self.oci2 = os.path.join(self.work, "debian2.oci.tar")
        sh(self.podman(build, "save", "--format", "oci-archive", "-o", self.oci, "localhost/bench/debian:1"))
        sh(self.podman(build, "save", "--format", "oci-archive", "-o", self.oci2, "localhost/bench/debian:2"))
        shutil.rmtree(build, ignore_errors=True)
        subprocess.run(["ip", "netns", "add", NETNS], check=True)
        self.netns = True
        sh(in_netns(["ip", "link", "set", "lo", "up"]))
        store = os.path.join(self.work, "registry")
        config = os.path.join(self.work, "registry.yml")
        with open(config, "w") as f:
            f.write(f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {store}\n"
                    f"http:\n  addr: {REG}\n")
        self.registry = subprocess.Popen(in_netns(["docker-registry", "serve", config]), stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        for _ in range(100):
            if subprocess.run(in_netns(["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{PORT}"]),
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        for archive, tag in ((self.oci, "1"), (self.oci2, "2")):
            sh(in_netns(["skopeo", "copy", "--dest-tls-verify=false", f"oci-archive:{archive}", f"docker://{REG}/debian:{tag}"]))

    def timed(self, cmd):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {p.stderr.strip()}")
        return wall

    def fresh(self, kind):
        d = tempfile.mkdtemp(prefix=kind + "-", dir=self.work)
        os.chmod(d, 0o711)
        return d

    def contain(self, data, *args):
        return [self.contain_bin, "--root", data, *args]

    def rows(self):
        """(operation, {tool: command maker}) in table order; a maker takes a fresh store folder and returns
        (setup commands, timed command)."""
        pull1 = f"http://{REG}/debian:1"
        return [
            ("import the OCI archive (podman save)", {
                "contain": lambda d: ([], self.contain(d, "image", "import", self.oci, "--name", "debian:1")),
                "podman": lambda d: ([], self.podman(d, "load", "-q", "-i", self.oci)),
            }),
            ("import the rootfs tar (GNU tar)", {
                "contain": lambda d: ([], self.contain(d, "image", "import", self.debian, "--name", "debian")),
                "podman": lambda d: ([], self.podman(d, "import", "-q", self.debian, "localhost/debian:rootfs")),
            }),
            ("pull (download + unpack)", {
                "contain": lambda d: ([], in_netns(self.contain(d, "pull", pull1))),
                "podman": lambda d: ([], in_netns(self.podman(d, "pull", "-q", "--tls-verify=false", f"{REG}/debian:1"))),
                "skopeo copy (no unpack)": lambda d: ([], in_netns(["skopeo", "copy", "-q", "--src-tls-verify=false",
                                                                     f"docker://{REG}/debian:1", f"oci:{d}/layout:1"]))}),
            ("second pull, all but one layer present", {
                "contain": lambda d: ([in_netns(self.contain(d, "pull", pull1))],
                                      in_netns(self.contain(d, "pull", f"http://{REG}/debian:2"))),
                "podman": lambda d: ([in_netns(self.podman(d, "pull", "-q", "--tls-verify=false", f"{REG}/debian:1"))],
                                     in_netns(self.podman(d, "pull", "-q", "--tls-verify=false", f"{REG}/debian:2"))),
                "skopeo copy (no unpack)": lambda d: (
                    [in_netns(["skopeo", "copy", "-q", "--src-tls-verify=false", f"docker://{REG}/debian:1", f"oci:{d}/layout:1"])],
                    in_netns(["skopeo", "copy", "-q", "--src-tls-verify=false", f"docker://{REG}/debian:2", f"oci:{d}/layout:2"]))}),
        ]

    def measure(self):
        results = []
        for op, tools in self.rows():
            walls = {t: [] for t in tools}
            names = list(tools)
            for i in range(self.runs):
                k = i % len(names)
                for t in names[k:] + names[:k]:
                    # stores are removed at the end, not between runs: on ext4 without a journal, as here, creating
                    # files within 30 s of deleting many is several times slower (the allocator skips the
                    # recently deleted inodes), and the next run, whichever tool, would pay for the last one's
                    d = self.fresh(t.split()[0])
                    self.stores.append(d)
                    setup, cmd = tools[t](d)
                    for s in setup:
                        self.timed(s)
                    subprocess.run(["sync"])
                    walls[t].append(self.timed(cmd))
            results.append((op, {t: statistics.median(w) for t, w in walls.items()}))
        return results

    def remove(self, d):
        if os.path.isdir(os.path.join(d, "root")):
            subprocess.run(self.podman(d, "rmi", "-a", "-f"), capture_output=True)
        runroot = os.path.join(self.runbase, os.path.basename(d))
        for folder in (d, runroot):
            unmount_under(folder)  # podman's overlay driver bind-mounts its own folder
            subprocess.run(["rm", "-rf", "--one-file-system", folder])

    def report(self):
        why = self.missing()
        if why:
            print(f"\n### Images: skipped ({why})")
            return
        self.prepare()
        size = os.path.getsize(self.oci) / 1e6
        results = self.measure()
        print(f"\n### Images: the Debian image ({size:.0f} MB as an OCI archive; median of {self.runs}, alternated, "
              "each from an empty store)\n")
        print("| operation | contain | podman | skopeo copy (no unpack) | contain / podman |")
        print("|---|---:|---:|---:|---:|")
        for op, m in results:
            skopeo = m.get("skopeo copy (no unpack)")
            print(f"| {op} | {m['contain']:.2f} s | {m['podman']:.2f} s | {f'{skopeo:.2f} s' if skopeo else '-'} | "
                  f"{m['contain'] / m['podman']:.2f}x |")

    def close(self):
        for d in self.stores:
            self.remove(d)
        if self.registry:
            self.registry.terminate()
            self.registry.wait(timeout=30)
        if self.netns:
            subprocess.run(["ip", "netns", "del", NETNS], capture_output=True)
        for folder in (self.work, self.runbase):
            unmount_under(folder)
            subprocess.run(["rm", "-rf", "--one-file-system", folder])
