/**
 * The base images `npm start` builds, in the order it builds and registers them (the quick one first).
 * A new image is one more entry.
 */
import { busybox } from './busybox.js';
import { debianRecipe, type DebianRecipeSpec } from './debian.js';
import { dockerNodeRecipe } from './docker-node.js';
import type { Recipe } from './recipe.js';

/**
 * Debian 12 as a server: sshd, TLS roots, `ip`, `ping`, `ps`/`top`/`free`, a pager, /etc/services and
 * friends (netbase), and curl (orchestration's wait conditions are signalled with the curl command line
 * a WaitConditionHandle gives). Nothing else: people add what they need with apt.
 */
export const DEBIAN_12: DebianRecipeSpec = {
  name: 'debian-12',
  release: 'bookworm',
  version: '12',
  packages: ['openssh-server', 'ca-certificates', 'iproute2', 'iputils-ping', 'procps', 'less', 'netbase', 'curl'],
  revision: 1,
  description: 'Debian 12 (bookworm) minbase with openssh-server, built by Flotilla',
};

/** The node image of container-infra (Swarm) clusters: debian-12 with its own Docker engine (docker-node.ts). */
export const DEBIAN_12_DOCKER: DebianRecipeSpec = {
  ...DEBIAN_12,
  name: 'debian-12-docker',
  description: 'Debian 12 (bookworm) with docker.io and busybox:latest preloaded: a container-infra cluster node, built by Flotilla',
};

export const RECIPES: readonly Recipe[] = [busybox, debianRecipe(DEBIAN_12), dockerNodeRecipe(DEBIAN_12_DOCKER)];
