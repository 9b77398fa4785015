/**
 * What a base image recipe is: a name and Glance properties, the inputs its output depends on (which key
 * the cache), and a build that writes layer tars. The cache turns the layers into a docker archive.
 */
import type { ImageRuntimeConfig } from './docker-archive.js';

/** A recipe cannot be built on this machine (a tool or a Debian mirror is missing); says why. */
export class Unbuildable extends Error {
  override name = 'Unbuildable';
}

export interface BuildContext {
  /** An empty directory for this build only, on the cache's filesystem; removed afterwards. */
  readonly workDir: string;
  /** One progress line (the caller adds the image's name). */
  say(line: string): void;
  readonly signal?: AbortSignal;
}

/** A build's result: layer files inside workDir, bottom first, and how the image runs. */
export interface BuiltLayers {
  layers: string[];
  runtime: ImageRuntimeConfig;
  /** The image's creation time, also every file time the builder sets. */
  created: Date;
}

export interface Recipe {
  /** The Glance image name, also the cache entry's name. */
  readonly name: string;
  /** Glance custom properties (os_distro, os_version, …) of an image built from these inputs. */
  properties(inputs: Readonly<Record<string, unknown>>): Record<string, string>;
  /** Raise when a change to the recipe's code changes what it builds, so cached archives are rebuilt. */
  readonly revision: number;
  /**
   * Everything else the output depends on (mirror, package versions, package list), in a form that
   * serialises stably. Throws Unbuildable when this machine cannot build the recipe.
   */
  inputs(): Promise<Record<string, unknown>>;
  build(ctx: BuildContext): Promise<BuiltLayers>;
}
