/**
 * The node image of container-infra clusters, `debian-12-docker`: a Debian image with Debian's docker.io
 * (dockerd 20.10, containerd, runc), openssl and curl, plus a second layer of Flotilla's node files:
 *
 *   /usr/local/sbin/flotilla-dockerd      start|stop|restart|status of the node's own engine
 *   /etc/flotilla/boot.d/50-docker        Flotilla's init runs it at every boot: starts the engine
 *   /usr/share/flotilla/images/busybox.tar  `busybox:latest` as a docker archive, loaded at the engine's
 *                                          first start, so a node runs busybox without any registry
 *
 * The engine takes its settings from /etc/docker/daemon.json alone (dockerd's own config file; the
 * script passes no flags that could clash with it), so a cluster's user data writes that file (TLS,
 * listen addresses, insecure registries) and runs `flotilla-dockerd restart`, then inits or joins the
 * swarm; every later boot starts the engine with the same file. Compute runs servers of this image so
 * that dockerd can work in them (its `flotilla_nested_engine` property; decision 0015).
 */
import fs from 'node:fs';
import path from 'node:path';
import { NESTED_ENGINE_PROPERTY } from '../compute/agent-protocol.js';
import { busybox } from './busybox.js';
import { debianRecipe, type DebianRecipeSpec } from './debian.js';
import { writeDockerArchive } from './docker-archive.js';
import type { BuildContext, BuiltLayers, Recipe } from './recipe.js';
import { TarFileWriter } from './tar.js';

export { NESTED_ENGINE_PROPERTY };

/** Where the node image keeps the docker archives its engine loads on first start. */
export const PRELOAD_DIR = '/usr/share/flotilla/images';

/** The tag the preloaded busybox image carries in a node's engine. */
export const PRELOADED_BUSYBOX = 'busybox:latest';

/**
 * The node's engine, as a POSIX sh service script. `start` returns once the engine answers (or fails
 * after FLOTILLA_DOCKERD_TIMEOUT seconds with the end of its log); it is idempotent.
 */
export const FLOTILLA_DOCKERD = `#!/bin/sh
# flotilla-dockerd start|stop|restart|status: this node's Docker engine (Flotilla's node image).
# Settings come from /etc/docker/daemon.json only: write it, then \`flotilla-dockerd restart\`. Keep
# "unix:///var/run/docker.sock" among its "hosts" if you set any: this script and the docker CLI use it.
PIDFILE=/run/flotilla-dockerd.pid
LOG=/var/log/dockerd.log
PRELOAD=${PRELOAD_DIR}
TIMEOUT=\${FLOTILLA_DOCKERD_TIMEOUT:-60}
say() { echo "flotilla-dockerd: $*"; }

pid() { cat "$PIDFILE" 2>/dev/null; }
running() { p=$(pid); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# The server's cgroup hierarchies are its own (a private cgroup namespace) but mounted read-only; the
# engine makes its containers' cgroups in them.
cgroups_rw() {
  for d in /sys/fs/cgroup/*/; do
    d=\${d%/}
    if grep -q " $d ro[ ,]" /proc/self/mountinfo 2>/dev/null; then
      mount -o remount,bind,rw "$d" 2>/dev/null || say "could not make $d writable"
    fi
  done
}

preload() {
  root=$(docker info --format '{{.DockerRootDir}}' 2>/dev/null)
  [ -n "$root" ] || return 0
  [ -e "$root/.flotilla-preloaded" ] && return 0
  for f in "$PRELOAD"/*.tar; do
    [ -f "$f" ] || continue
    docker load -q -i "$f" >/dev/null 2>&1 && say "loaded $(basename "$f" .tar)" || say "could not load $f"
  done
  : > "$root/.flotilla-preloaded"
}

start() {
  if running; then
    answers && return 0
  else
    cgroups_rw
    # A pid file of an engine that did not stop cleanly (the server was killed) would stop dockerd.
    rm -f /var/run/docker.pid
    mkdir -p /var/lib/docker /etc/docker
    setsid dockerd >>"$LOG" 2>&1 </dev/null &
    echo $! > "$PIDFILE"
  fi
  n=0
  while ! answers; do
    if ! running; then say "dockerd exited; the end of $LOG:"; tail -n 20 "$LOG"; return 1; fi
    if [ $n -ge $((TIMEOUT * 10)) ]; then say "dockerd did not answer within $TIMEOUT s; the end of $LOG:"; tail -n 20 "$LOG"; return 1; fi
    sleep 0.1
    n=$((n + 1))
  done
  preload
  say "engine running (pid $(pid))"
}

stop() {
  running || { rm -f "$PIDFILE"; return 0; }
  p=$(pid)
  kill -TERM "$p"
  n=0
  while kill -0 "$p" 2>/dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
  if kill -0 "$p" 2>/dev/null; then say "dockerd ignored SIGTERM for 30 s; killing it"; kill -KILL "$p"; fi
  rm -f "$PIDFILE"
}

case "\${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) if running && answers; then say "running (pid $(pid))"; else say "not running"; exit 3; fi ;;
  *) echo "usage: flotilla-dockerd start|stop|restart|status" >&2; exit 2 ;;
esac
`;

/** The boot hook: Flotilla's init runs every executable in /etc/flotilla/boot.d at every boot. */
export const BOOT_HOOK = `#!/bin/sh
# Starts this node's Docker engine at every boot (Flotilla's init runs /etc/flotilla/boot.d/* in order).
exec /usr/local/sbin/flotilla-dockerd start
`;

/** Directories of the node layer, with their modes as Debian has them (a layer's directory entry replaces the one below). */
const NODE_DIRS: ReadonlyArray<[string, number]> = [
  ['etc', 0o755], ['etc/flotilla', 0o755], ['etc/flotilla/boot.d', 0o755],
  ['usr', 0o755], ['usr/local', 0o755], ['usr/local/sbin', 0o755],
  ['usr/share', 0o755], ['usr/share/flotilla', 0o755], ['usr/share/flotilla/images', 0o755],
];

async function buildNode(debian: Recipe, ctx: BuildContext): Promise<BuiltLayers> {
  const dir = (name: string): string => {
    const d = path.join(ctx.workDir, name);
    fs.mkdirSync(d);
    return d;
  };
  const base = await debian.build({ ...ctx, workDir: dir('debian') });
  ctx.say('busybox:latest for the node\'s own engine');
  const bb = await busybox.build({ ...ctx, workDir: dir('busybox'), say: () => {} });
  const bbArchive = path.join(ctx.workDir, 'busybox.tar');
  await writeDockerArchive(bbArchive, bb.layers, bb.runtime, bb.created, [PRELOADED_BUSYBOX]);
  const layer = path.join(ctx.workDir, 'node.tar');
  const tar = await TarFileWriter.create(layer, { mtime: base.created.getTime() / 1000 });
  try {
    for (const [d, mode] of NODE_DIRS) await tar.directory(d, mode);
    await tar.data('etc/flotilla/boot.d/50-docker', Buffer.from(BOOT_HOOK), 0o755);
    await tar.data('usr/local/sbin/flotilla-dockerd', Buffer.from(FLOTILLA_DOCKERD), 0o755);
    await tar.file('usr/share/flotilla/images/busybox.tar', bbArchive, 0o644);
    await tar.finish();
  } catch (err) {
    await tar.abandon();
    throw err;
  }
  return {
    layers: [...base.layers, layer],
    runtime: { ...base.runtime, createdBy: `${base.runtime.createdBy}; flotilla: node engine files, busybox:latest preloaded` },
    created: base.created,
  };
}

/**
 * A node image recipe on top of a Debian spec: `packages` gain docker.io, openssl and curl; the image
 * carries the node layer above and the properties os_distro (Magnum picks its driver by it) and
 * flotilla_nested_engine=true.
 */
export function dockerNodeRecipe(spec: DebianRecipeSpec): Recipe {
  const debian = debianRecipe({ ...spec, packages: [...new Set([...spec.packages, 'docker.io', 'openssl', 'curl'])] });
  return {
    name: spec.name,
    // Raise with any change to the node layer (the scripts above) or to how it is built.
    revision: 2,
    properties: (inputs) => ({ ...debian.properties(inputs), [NESTED_ENGINE_PROPERTY]: 'true' }),
    inputs: async () => ({ ...(await debian.inputs()), debianRevision: spec.revision, busybox: await busybox.inputs() }),
    build: (ctx) => buildNode(debian, ctx),
  };
}
