# contain: build, images, demo, tests. Run as root (the engine needs it for cgroups, mounts and links).
PREFIX    ?= /usr/local
ROOT      ?= /var/lib/contain
RUN_ROOT  ?= /run/contain
MVN       ?= mvn -q -B
CONTAIN   := build/contain
RUN       := $(CONTAIN) --root $(ROOT) --run-root $(RUN_ROOT)
# A JDK 25+ for the AOT cache (the fastest start-up), if one is installed; the default JDK 17 is used otherwise.
JDK25     ?= $(firstword $(wildcard /usr/lib/jvm/*-25*/bin/java /usr/lib/jvm/*25*/bin/java))
# Packages the project needs; setup installs the missing ones and nothing else.
PACKAGES  := openjdk-17-jdk-headless maven gcc libc6-dev musl-tools libnl-3-200 libnl-route-3-200 busybox-static mmdebstrap \
             iproute2 tar xz-utils procps
SOURCES   := $(shell find spec/src/main runtime/src/main schema -type f 2>/dev/null) pom.xml spec/pom.xml runtime/pom.xml

.PHONY: all setup setup-bench build install image image-debian demo test bench undo-setup clean \
        run-namespaces run-namespace-mount run-cgroups run-overlayfs run-networking run-networking-webserver

all: build

setup: .setup-done
.setup-done: Makefile
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi
	@touch $@

build: $(CONTAIN).jsa
$(CONTAIN): .setup-done $(SOURCES) launcher.sh
	$(MVN) package -DskipTests
	@mkdir -p build
	cat launcher.sh runtime/target/contain.jar > $@.tmp && chmod 755 $@.tmp && mv $@.tmp $@
	@echo "built $@ ($$(du -h $@ | cut -f1))"

# The class-data archive: start-up is the product's main cost (see README, Performance).
$(CONTAIN).jsa: $(CONTAIN) build/busybox.tar images/train-cds.sh
	images/train-cds.sh $(CONTAIN) build/busybox.tar $(JDK25)

install: build
	install -D -m 755 $(CONTAIN) $(DESTDIR)$(PREFIX)/bin/contain
	images/train-cds.sh $(DESTDIR)$(PREFIX)/bin/contain build/busybox.tar $(JDK25)

build/busybox.tar: .setup-done images/busybox.sh
	@mkdir -p build
	images/busybox.sh $@

image: build build/busybox.tar
	@$(RUN) image ls | grep -q '^busybox ' || $(RUN) image import build/busybox.tar --name busybox

build/debian.tar: .setup-done images/debian.sh
	@mkdir -p build
	images/debian.sh $@

image-debian: build build/debian.tar
	@$(RUN) image ls | grep -q '^debian-stable+python+iproute2 ' || \
	  $(RUN) image import build/debian.tar --name debian-stable+python+iproute2

demo: image
	$(RUN) run examples/hello.yaml

test: .setup-done
	$(MVN) verify

# The runtimes the benchmark compares contain with, and GNU time for peak RSS; installed only for `make bench`.
BENCH_PACKAGES := runc crun bubblewrap podman time python3 util-linux
setup-bench: .setup-bench-done
.setup-bench-done: .setup-done
	@missing=""; for p in $(BENCH_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; fi
	@touch $@

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
	rm -rf $(ROOT) $(RUN_ROOT)
	rm -f .setup-done .setup-bench-done

clean:
	$(MVN) clean
	rm -rf build
