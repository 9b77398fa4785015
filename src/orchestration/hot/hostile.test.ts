/** Every hostile case is refused with a TemplateError that names the problem, and quickly. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TemplateError } from './errors.js';
import { hostileTemplates } from './hostile.js';
import { loadTemplate } from './template.js';
import { loadEnvironment } from './environment.js';
import { resolveParameters } from './parameters.js';

describe('hostile templates', () => {
  const cases = hostileTemplates();
  it('are at least 500, with distinct names', () => {
    assert.ok(cases.length >= 500, `only ${cases.length}`);
    assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
  });
  it('are each refused with a TemplateError naming the problem; nothing else is thrown', async () => {
    const failures: string[] = [];
    let slowest = 0;
    for (const c of cases) {
      const started = Date.now();
      try {
        const t = loadTemplate(c.template as string | Record<string, unknown>, c.files ?? {});
        const env = loadEnvironment(c.environment as string | Record<string, unknown> | undefined);
        await resolveParameters(t, env, c.parameters ?? {});
        failures.push(`${c.name}: accepted`);
      } catch (e) {
        if (!(e instanceof TemplateError)) failures.push(`${c.name}: threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
        else if (!c.expect.test(e.message)) failures.push(`${c.name}: message ${JSON.stringify(e.message.slice(0, 300))} does not match ${String(c.expect)}`);
      }
      slowest = Math.max(slowest, Date.now() - started);
    }
    assert.deepEqual(failures, []);
    assert.ok(slowest < 2000, `the slowest case took ${slowest} ms`);
  });
});
