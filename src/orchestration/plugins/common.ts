/** Helpers plugins share. */
import { randomBytes } from 'node:crypto';
import type { ResourceContext } from './types.js';

/** Heat's physical_resource_name: `<stack>-<resource>-<12 random characters>`, at most 255 long. */
export function physicalName(ctx: ResourceContext): string {
  const id = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').toLowerCase().slice(0, 12);
  return `${ctx.stack.name}-${ctx.resource.name}-${id}`.slice(-255);
}

/** Waits `secs` seconds (negative: until aborted); rejects with the signal's reason when aborted. */
export function sleep(secs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) { reject(signal.reason); return; }
    const timer = secs >= 0 ? setTimeout(done, secs * 1000) : undefined;
    function done(): void { signal.removeEventListener('abort', onAbort); resolve(); }
    function onAbort(): void { clearTimeout(timer); reject(signal.reason); }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
