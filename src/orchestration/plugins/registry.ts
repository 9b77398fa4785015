/** The built-in resource types. Plugins for other services register here as they arrive. */
import type { PluginRegistry, ResourcePlugin } from './types.js';
import { randomStringPlugin } from './random-string.js';
import { nonePlugin, valuePlugin } from './value.js';
import { testResourcePlugin } from './test-resource.js';
import { stackPlugin } from './template-resource.js';
import { resourceGroupPlugin } from './resource-group.js';
import { SERVICE_PLUGINS } from './services.js';

export const BUILTIN_PLUGINS: readonly ResourcePlugin[] = [randomStringPlugin, valuePlugin, nonePlugin, testResourcePlugin, stackPlugin, resourceGroupPlugin, ...SERVICE_PLUGINS];

/** A registry of `plugins` (built-ins plus any given, later ones winning). */
export function createRegistry(extra: readonly ResourcePlugin[] = []): PluginRegistry {
  const byType = new Map<string, ResourcePlugin>();
  for (const p of [...BUILTIN_PLUGINS, ...extra]) byType.set(p.type, p);
  return {
    get: (type) => byType.get(type),
    types: () => [...byType.keys()].sort(),
  };
}
