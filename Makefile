# contain: build, images, demo, tests. Run as root (the engine needs it for cgroups, mounts and links).
PREFIX    ?= /usr/local
ROOT      ?= /var/lib/contain
RUN_ROOT  ?= /run/contain
MVN       ?= mvn -q -B
CONTAIN   := build/contain
RUN       := $(CONTAIN) --root $(ROOT) --run-root $(RUN_ROOT)
# A JDK 25+ for the AOT cache (the fastest start-up), if one is installed; the default JDK 17 is used otherwise.
JDK25     ?= $(firstword $(wildcard /usr/lib/jvm/*-25*/bin/java /usr/lib/jvm/*25*/bin/java))
# What the build, the images and the tests need, each as TOOL=PACKAGE: TOOL is a command on the PATH, an
# absolute path, or a shared library's soname. `make setup` checks the tools themselves on every call (a
# stamp file could outlive what it vouched for, or be copied into a fresh clone) and installs the
# packages of the missing ones, nothing else.
NEEDS := javac=openjdk-17-jdk-headless mvn=maven gcc=gcc /usr/include/stdio.h=libc6-dev musl-gcc=musl-tools \
         /bin/busybox=busybox-static mmdebstrap=mmdebstrap ip=iproute2 nsenter=util-linux tar=tar xz=xz-utils unzip=unzip ps=procps \
         libnl-3.so.200=libnl-3-200 libnl-route-3.so.200=libnl-route-3-200 libseccomp.so.2=libseccomp2 \
         libnftables.so.1=libnftables1 nft=nftables \
         podman=podman buildah=buildah skopeo=skopeo runc=runc docker-registry=docker-registry htpasswd=apache2-utils \
         keyctl=keyutils
SOURCES   := $(shell find spec/src/main runtime/src/main schema -type f 2>/dev/null) pom.xml spec/pom.xml runtime/pom.xml

.PHONY: all setup setup-bench build install image image-debian demo test bench undo-setup clean \
        run-namespaces run-namespace-mount run-cgroups run-overlayfs run-networking run-networking-webserver

all: build

setup:
	@NEEDS="$(NEEDS)" images/setup.sh

# The launcher makes its start-up archives on first use, wherever it is (see launcher.sh and README,
# Performance); build and install make them at once, for the JDK 25 (if any) and for the default java, for
# contain and for contain-oci (a link to it whose name selects runc's command line: its own archives), so no
# first use trains one in the background beside the user's work.
build: $(CONTAIN)
	@for c in $(CONTAIN) $(CONTAIN)-oci; do CONTAIN_TRAIN=now $$c; JAVA=java CONTAIN_TRAIN=now $$c; done
$(CONTAIN): $(SOURCES) launcher.sh images/assemble.sh | setup
	$(MVN) package -DskipTests
	images/assemble.sh runtime/target/contain.jar $@ $(JDK25)
	ln -sf contain $@-oci
	@echo "built $@ ($$(du -h $@ | cut -f1)) and $@-oci"

install: build
	install -D -m 755 $(CONTAIN) $(DESTDIR)$(PREFIX)/bin/contain
	ln -sf contain $(DESTDIR)$(PREFIX)/bin/contain-oci
	@[ -n "$(DESTDIR)" ] || for c in $(PREFIX)/bin/contain $(PREFIX)/bin/contain-oci; do \
	  CONTAIN_TRAIN=now $$c; JAVA=java CONTAIN_TRAIN=now $$c; done

build/busybox.tar: images/busybox.sh | setup
	@mkdir -p build
	images/busybox.sh $@

image: build build/busybox.tar
	@$(RUN) image ls | grep -q '^busybox ' || $(RUN) image import build/busybox.tar --name busybox

build/debian.tar: images/debian.sh | setup
	@mkdir -p build
	images/debian.sh $@

image-debian: build build/debian.tar
	@$(RUN) image ls | grep -q '^debian-stable+python+iproute2 ' || \
	  $(RUN) image import build/debian.tar --name debian-stable+python+iproute2

demo: image
	$(RUN) run examples/hello.yaml

test: setup
	JDK25=$(JDK25) $(MVN) verify

# The runtimes the benchmark compares contain with, and GNU time for peak RSS; installed only for `make bench`.
BENCH_NEEDS := runc=runc crun=crun bwrap=bubblewrap podman=podman /usr/bin/time=time python3=python3 unshare=util-linux
setup-bench: setup
	@NEEDS="$(BENCH_NEEDS)" images/setup.sh

bench: build setup-bench
	bench/run.sh

# The lab's targets: each runs one example spec.
run-namespaces: image
	$(RUN) run examples/lab-namespaces.yaml
run-namespace-mount: image
	$(RUN) run examples/lab-namespace-mount.yaml
run-cgroups: image
	$(RUN) run examples/lab-cgroups.yaml
run-overlayfs: image
	$(RUN) run examples/lab-overlayfs.yaml
	@echo "the file the container wrote is in its upper layer only; the image has none:"; \
	  ls $(ROOT)/images/busybox/rootfs/tmp/from-container 2>&1 || true
run-networking: image
	$(RUN) run examples/lab-networking.yaml
run-networking-webserver: image-debian
	$(RUN) run examples/lab-networking-webserver.yaml

# Removes what the engine made on the host (images, state, leftovers of dead runs); not the packages.
undo-setup:
	-@[ -x $(CONTAIN) ] && $(RUN) gc && $(RUN) network rm --all
	rm -rf $(ROOT) $(RUN_ROOT) /var/cache/contain

clean:
	$(MVN) clean
	rm -rf build
