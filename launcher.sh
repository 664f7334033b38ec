#!/bin/sh
# contain: a launcher joined to the engine's jar (the jar starts after this script; zip readers allow a prefix).
# Start-up is the product's main cost, so the JVM starts from an archive of the classes a run uses: an AOT cache
# for the JDK 25+ that `make build` found (the fastest start), else an AppCDS archive for the java used. A JVM
# uses an archive only with the class path it was made with (on JDK 17: this very file, its size and mtime), so
# archives are made here, on first use, for this file where it is, wherever it was installed or moved:
#   CACHE/BUILD/JAVA.d/THIS-FILE[.run].aot|.jsa   CACHE: $CONTAIN_CACHE, /var/cache/contain (root), ~/.cache/contain;
#                                           BUILD: this jar's SHA-256, 16 digits (images/assemble.sh); JAVA: its path;
#                                           .run: `run`'s own (see below).
# A run without an archive starts as before and leaves one being made in the background (once: a lock; niced,
# after the run's own start): a training run (as root a real container, else a dry run) written to a temporary
# name, checked with this launcher's flags, then renamed into place. The JVM's own word on the archive at each
# start goes to ARCHIVE.log: an archive it refused (a JDK update, a touched file) is made again by the next run.
# CONTAIN_ARCHIVE=off runs without one; `contain run --trace` says which was used.
# Flags: C1 only, SerialGC, no perf-data file: a short-lived CLI, where start-up beats peak throughput. Compile
# thresholds x30: on two cores the compiler thread competes with the run itself (x1 -> x4: JDK 17 125 -> 110
# ms; x4 -> x30: -2 ms on both JDKs). Not -Xint, which is 4 ms faster still: hashing an archive image
# (SHA-256, 224 MB) then takes 80 s instead of 1.7. The heap is capped: a spec is untrusted input. A JVM
# refuses an archive made with other flags, so the training and its check use these same flags. On JDK 25,
# java.lang opened to the jar: the engine gives ProcessBuilder a logger that is never on, so starting the init
# does not set up logging, which opens this jar (~30 ms of CPU; kernel/QuietProcessLogger).
# No AOT training replay on JDK 25: the archives hold no profiles (see record below), yet its thread woke at every class
# initialisation (620 -> 116 context switches a run -d; CPU 85.1 -> 81.0 ms, x30; the archive 200 KB smaller).
# -cp with the main class (the jar manifest's Main-Class), not -jar: -jar opens the jar for its manifest on
# the main thread before main (~2 ms). Only shell builtins run before the JVM (an external command: ~1.5 ms).
case $0 in /*) self=$0 ;; *) self=$PWD/${0#./} ;; esac
CONTAIN_LAUNCHER=$self; export CONTAIN_LAUNCHER # a detached container's monitor runs this again for its teardown

# contain [--root DIR] [--run-root DIR] exec [-i] NAME [--] CMD [ARG...], the common exec: no JVM. The engine stored
# that exec's plan in the container's state folder when it started it; the init it extracted to the data root runs
# it (runtime/src/main/c/init/fastexec.c), and runs this launcher again with CONTAIN_FAST_EXEC=off where the engine
# must explain (a container not running...). Any other form or option is the engine's, as is a container with no
# stored plan (an older engine's). The roots' defaults are EngineConfig's (a test keeps them in step).
# CONTAIN_FAST_EXEC=off: never; =trace: say which path runs.
fast_exec() {
  data=/var/lib/contain run=/run/contain n=$# why= bad=
  while :; do
    case ${1:-} in
      --root | --run-root) o=$1 v=${2:-}; [ $# -ge 2 ] && shift ;;
      --root=* | --run-root=*) o=${1%%=*} v=${1#*=} ;;
      *) break ;;
    esac
    case $v in /*/../* | /*/.. | /*/./* | /*/.) bad="$o $v: not a normal path" ;; /*) ;; *) bad="$o $v: not absolute" ;; esac
    if [ "$o" = --root ]; then data=$v; else run=$v; fi
    shift
  done
  [ "${1:-}" = exec ] || return 1
  [ -z "$bad" ] || { why=$bad; return 1; }
  shift
  stdin=-
  case ${1:-} in -i | --interactive) stdin=i; shift ;; esac
  case ${1:-} in '' | -* | .* | */*) why="an option, or no name, after exec"; return 1 ;; esac
  name=$1
  shift
  [ "${1:-}" = -- ] && shift
  case ${1:---} in --) why="no command, or -- -- CMD"; return 1 ;; esac
  skip=$((n - $#)) plan=$run/$name/exec-plan init=$data/bin/contain-init-@INIT@
  [ -f "$plan" ] || { why="no stored exec plan $plan (not running, or started by an older engine)"; return 1; }
  [ -x "$init" ] || { why="no init $init"; return 1; }
}
if [ "${CONTAIN_FAST_EXEC:-}" != off ] && [ "${0##*/}" != contain-oci ]; then
  if fast_exec "$@"; then
    exec "$init" --fast-exec "$self" "$plan" "$name" $stdin $skip "$@"
  fi
  [ "${CONTAIN_FAST_EXEC:-}" = trace ] && [ -n "$why" ] && echo "trace: exec: the engine's path: $why" >&2
fi
build=@BUILD@
flags="-Xmx256m -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=30 -XX:+UseSerialGC -XX:-UsePerfData"
# pull and image import hash and unpack hundreds of MB: there C2 (SHA-256 on the CPU's SHA instructions) pays
# for its compile time (Debian's 84 MB pull: 5.3 -> 3.2 s). Only the final JVM gets it: the archives, made and
# checked with the flags above, are taken with it too (checked: their logs stay empty).
long=
for arg in "$@"; do
  case $arg in pull|import) long="-XX:TieredStopAtLevel=4 -XX:CompileThresholdScaling=1"; break ;; esac
done
if [ -n "${JAVA:-}" ]; then
  java=$JAVA kind=jsa
elif [ -x "@JDK25@" ]; then
  java="@JDK25@" kind=aot
  flags="$flags --enable-native-access=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED -XX:+UnlockDiagnosticVMOptions -XX:-AOTReplayTraining"
else
  java=java kind=jsa
fi
if [ -n "${CONTAIN_CACHE:-}" ]; then
  cache=$CONTAIN_CACHE
elif [ -w /var/cache ]; then
  cache=/var/cache/contain
else
  cache=${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/contain
fi
case $java in /*) all=$cache/$build$java.d$self ;; *) all=$cache/$build/PATH/$java.d$self ;; esac
# Two archives: `run` (and run -d) starts from one trained on runs alone, every other command from one trained on all
# of them. The JVM loads every class of its AOT cache at start, used or not: the other commands' classes (JNA's,
# logging's, ps's formatting: ~380) cost a run -d ~3 ms. The subcommand is the first word that is not an option or a
# global option's value; a wrong guess would only cost time (classes then come from the jar), never change a result.
runs=$all.run.$kind all=$all.$kind archive=$all skip=
for arg in "$@"; do
  if [ -n "$skip" ]; then skip=; continue; fi
  case $arg in
    --root|--run-root|--id-pool|--id-layers) skip=1 ;;
    -*) ;;
    run) case ${self##*/} in contain-oci) ;; *) [ -f "$runs" ] && archive=$runs ;; esac; break ;;   # (until made: the other)
    *) break ;;
  esac
done

# Starts the JVM ($1: exec, or command to wait) with archive $2, the JVM's warnings about it going to file $3,
# then the other arguments. Words with a * are quoted: unquoted, the shell would match them against files.
jvm() {
  how=$1 a=$2 l=$3
  shift 3
  if [ $kind = aot ]; then
    $how "$java" $flags "-XX:AOTCache=$a" '-Xlog:aot*=off,cds*=off' "-Xlog:aot*=warning,cds*=warning:file=\"$l\":none:filecount=0" "$@"
  else
    $how "$java" $flags "-XX:SharedArchiveFile=$a" '-Xlog:cds*=off' "-Xlog:cds*=warning:file=\"$l\":none:filecount=0" "$@"
  fi
}

made() { [ -f "$1" ] && [ -f "$1.log" ] && [ ! -s "$1.log" ]; }

# Records an archive ($1: where it goes) from a training of the commands after it (Training), under the launcher's
# flags; checks it with them and renames it into place.
record() {
  out=$1
  shift
  rm -f "$work/archive" "$work/check.log"
  if [ $kind = aot ]; then   # no profiles: replaying them makes C1 compile eagerly at start (measured: 148 -> 136 ms)
    rec="-XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining -XX:AOTCacheOutput=$work/archive"
    check=-XX:AOTMode=on
  else
    rec=-XX:ArchiveClassesAtExit=$work/archive
    check=-Xshare:on
  fi
  # shellcheck disable=SC2086
  timeout 300 nice -n 19 "$java" $flags $rec -cp "$self" dev.contain.runtime.cli.Training "$@" >>"$work/output" 2>&1
  [ -s "$work/archive" ] && jvm command "$work/archive" "$work/check.log" $check -cp "$self" dev.contain.runtime.cli.Main --version \
       >>"$work/output" 2>&1 && [ ! -s "$work/check.log" ] && mv -f "$work/archive" "$out" && : >"$out.log"
}

# Makes the archives: training runs under the launcher's flags, checked with them, renamed into place.
train() {
  trap '' HUP
  exec </dev/null   # no training JVM reads the user's terminal (exec -it's init would make it raw, or stop on SIGTTOU)
  umask 022                                                             # the JVM maps it as code: root's stays root's
  dir=${all%/*}
  mkdir -p "$dir" && exec 9>>"$all.lock" || return 1
  flock -n 9 || return 0                                                # another run is making them
  made "$all" && { [ "${self##*/}" = contain-oci ] || made "$runs"; } && return 0   # made meanwhile
  [ "${1:-}" = now ] || sleep 1                                         # after the user's own run has started
  work=$(mktemp -d "$dir/.training.XXXXXX") || return 1
  chmod 711 "$work"                                                     # a container's root (its own range) passes through
  trap 'rm -rf --one-file-system "$work"' EXIT
  rootfs=$work/data/images/training/rootfs                               # an image in the store, as most runs have
  mkdir -p "$rootfs"
  # a spec file, as most runs have: reading and checking one is on the recorded path too
  # (block and flow collections, a literal and a folded block, quotes, a comment, an alias: each YAML shape has
  # parser classes of its own, and one missing from the archive makes the JVM open the jar, ~15 ms)
  cat >"$work/training.yaml" <<'EOF'
# training
image: training
resources: { memory: 64Mi, cpu: 50%, pids: 64 }
env:
  TRAINING: &one "1"
  QUOTED: 'single'
  AGAIN: *one
args:
  - |
    literal
  - >-
    folded
EOF
  set -- --root "$work/data" --run-root "$work/run" run -q --ignore-missing-limits "$work/training.yaml"
  if [ "$(id -u)" = 0 ]; then
    # A first run extracts the init and caches the seccomp filter in the data root (later runs find both:
    # the extraction's and libseccomp's classes are kept out of the archive, which most runs would preload). The
    # recorded run is the whole run path of any command: the command is the only executable every install has,
    # the engine's own static init, which prints its usage and exits.
    # shellcheck disable=SC2086
    nice -n 19 "$java" $flags -cp "$self" dev.contain.runtime.cli.Main "$@" --name "training-$$-0" -- /none >"$work/output" 2>&1
    for init in "$work"/data/bin/contain-init-*; do
      case $init in *.crc32) ;; *) cp "$init" "$rootfs/contain-init" ;; esac
    done
    set -- "$@" --name "training-$$" -- /contain-init
    runs_training="$*"                                                  # words without blanks, as $g's below
    g="--root $work/data --run-root $work/run"
    # and a run of an OCI image (not for contain-oci, whose `run` is the OCI one), as pulled and imported images are
    # (a docker-archive folder, one layer: the init): it reads the image's record and config (JSON) and mounts its
    # layers from the layer store; without their classes in the run archive, such a run opens the jar (~20 ms)
    oci=$work/oci-image
    # shellcheck disable=SC2086
    if [ "${self##*/}" != contain-oci ] && mkdir "$oci" && tar -C "$rootfs" -cf "$oci/layer.tar" contain-init && layer=$(sha256sum "$oci/layer.tar") \
        && printf '{"os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "${layer%% *}" >"$oci/config.json" \
        && printf '[{"Config":"config.json","RepoTags":["training-oci:latest"],"Layers":["layer.tar"]}]' >"$oci/manifest.json" \
        && nice -n 19 "$java" $flags -cp "$self" dev.contain.runtime.cli.Main $g image import "$oci" >>"$work/output" 2>&1; then
      printf 'image: training-oci\nresources: { memory: 64Mi, cpu: 50%%, pids: 64 }\n' >"$work/training-oci.yaml"
      runs_training="$runs_training --then $g run -q --ignore-missing-limits --name training-$$-o $work/training-oci.yaml -- /contain-init"
    fi
    if [ -x /bin/busybox ] && cp /bin/busybox "$rootfs/busybox" 2>/dev/null; then
      # then the lifecycle commands, each a JVM of its own when used: a detached container (busybox-static, where
      # the machine has it), ps, inspect, exec (and exec -t, -it), logs, kill (SIGCONT: harmless), stop, wait, rm; and
      # validate, image ls, network ls and gc, of the training's own roots (Training runs them in turn). A class a
      # command needs and the archive lacks makes that command open the jar: ~20 ms.
      d=training-$$-d
      # the run archive's: the run, then a detached one (stopped and removed after, by JVMs that record nothing)
      detached=training-$$-r
      runs_training="$runs_training --then $g run -d -q --ignore-missing-limits --name $detached $work/training.yaml -- /busybox sleep 60"
      # shellcheck disable=SC2086
      set -- "$@" --then $g run -d -q --ignore-missing-limits --name "$d" "$work/training.yaml" -- /busybox sleep 60 \
        --then $g ps --then $g inspect "$d" --then $g exec "$d" -- /busybox true --then $g exec -t "$d" -- /busybox true \
        --then $g exec -it "$d" -- /busybox true \
        --then $g logs "$d" --then $g kill -s CONT "$d" \
        --then $g stop -t 0 "$d" --then $g wait "$d" --then $g rm "$d" --then $g validate "$work/training.yaml" --then $g image ls \
        --then $g network ls --then $g gc
    fi
    if [ "${self##*/}" = contain-oci ]; then
      # the OCI runtime's own archive (its own path): a bundle run through runc's command line, which is what
      # podman's and containerd's calls (create, start, state, kill, delete) each load part of
      # shellcheck disable=SC2086
      mkdir "$work/bundle"
      nice -n 19 "$java" $flags -cp "$self" dev.contain.runtime.cli.Main oci spec --bundle "$work/bundle" >>"$work/output" 2>&1
      sed -i 's|"args" : \[ "sh" \]|"args" : [ "/contain-init" ]|; s|"path" : "rootfs"|"path" : "'"$rootfs"'"|' "$work/bundle/config.json"
      # with a sysctl and a seccomp filter with an argument rule, as podman's and containerd's configs have (compiled once here by a JVM that records
      # nothing: the archive then holds the path that takes a filter from the data root's cache, as every create after
      # a machine's first does, not JNA's and libseccomp's)
      sed -i 's|"linux" : {|"linux" : { "sysctl" : { "net.ipv4.ping_group_range" : "0 0" }, "seccomp" : { "defaultAction" : "SCMP_ACT_ALLOW", "syscalls" : [ { "names" : [ "kexec_load" ], "action" : "SCMP_ACT_ERRNO", "errnoRet" : 1, "args" : [ { "index" : 0, "value" : 0, "op" : "SCMP_CMP_GE" } ] } ] },|' "$work/bundle/config.json"
      # shellcheck disable=SC2086
      nice -n 19 "$java" $flags -cp "$self" dev.contain.runtime.cli.Main oci --root "$work/oci" --data-root "$work/data" run --bundle "$work/bundle" "training-$$-s" >>"$work/output" 2>&1
      # the calls podman and containerd make, in their order: create, state, (exec, exec -d, ps, pause, resume,
      # update), start, state, kill, delete; then a run (an exec into the created container: its process is there,
      # waiting at the fifo)
      o="oci --root $work/oci --data-root $work/data"
      # shellcheck disable=SC2086
      set -- $o create --bundle "$work/bundle" "training-$$-c" --then $o state "training-$$-c" \
        --then $o exec "training-$$-c" /contain-init --then $o exec -d "training-$$-c" /contain-init \
        --then $o ps --format json "training-$$-c" --then $o pause "training-$$-c" --then $o resume "training-$$-c" \
        --then $o update --pids-limit 64 "training-$$-c" --then $o start "training-$$-c" --then $o state "training-$$-c" \
        --then $o kill "training-$$-c" KILL \
        --then $o delete --force "training-$$-c" --then $o list --then $o run --bundle "$work/bundle" "training-$$"
    fi
  else
    set -- "$@" --dry-run --name training -- /contain-init
    runs_training="$*"
  fi
  ok=
  if record "$all" "$@"; then
    ok=1
    if [ "${self##*/}" != contain-oci ]; then                            # contain-oci's `run` is the OCI one: no run archive
      # shellcheck disable=SC2086
      record "$runs" $runs_training || ok=
      if [ -n "${detached:-}" ]; then
        for c in "stop -t 0 $detached" "rm $detached"; do
          # shellcheck disable=SC2086
          nice -n 19 "$java" $flags -cp "$self" dev.contain.runtime.cli.Main $g $c >>"$work/output" 2>&1
        done
      fi
    fi
  fi
  if [ -n "$ok" ]; then
    rm -f "$all.failed"
    # the archives of the four builds made last stay; older ones are made again if they are still used
    ls -dt "$cache"/*/ 2>/dev/null | tail -n +5 | while read -r old; do rm -rf "$old"; done
  else
    cat "$work/output" "$work/check.log" >"$all.failed" 2>/dev/null
    return 1
  fi
}

if [ -n "${CONTAIN_TRAIN:-}" ]; then       # make build, make install: make the archive now, for the next runs
  if train now && [ -f "$all" ]; then
    echo "start-up archive for $java: $all"
  else
    echo "warning: no start-up archive for $java (see $all.failed); contain runs without one, slower to start" >&2
  fi
  exit 0
fi
case ${0##*/} in contain-oci) set -- oci "$@" ;; esac  # the OCI runtime (runc's command line), by this name
if [ "${CONTAIN_ARCHIVE:-}" = off ]; then
  state=off
elif [ -f "$archive" ] && [ -w "$archive.log" ] && [ ! -s "$archive.log" ]; then
  # shellcheck disable=SC2086
  jvm exec "$archive" "$archive.log" -Dcontain.archive="$archive" -Dcontain.archive.state=used $long $CONTAIN_JAVA_OPTS \
    -cp "$self" dev.contain.runtime.cli.Main "$@"
elif [ -f "$all.failed" ]; then
  state=failed
else
  state=making
  (train) </dev/null >/dev/null 2>&1 &
fi
# shellcheck disable=SC2086
exec "$java" $flags -Dcontain.archive="$archive" -Dcontain.archive.state=$state $long $CONTAIN_JAVA_OPTS -cp "$self" dev.contain.runtime.cli.Main "$@"
