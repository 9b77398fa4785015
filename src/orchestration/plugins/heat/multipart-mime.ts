/**
 * OS::Heat::MultipartMime (heat/engine/resources/openstack/heat/multi_part.py): a multipart/mixed MIME
 * message of configs, as cloud-init reads user data made of several parts (a cloud-config, scripts).
 * Each part's `config` is inline text or the id of another config resource of the stack; a part of type
 * `multipart` contributes that message's own parts, as Heat flattens it.
 */
import { randomInt } from 'node:crypto';
import type { ResourceContext, ResourcePlugin } from '../types.js';
import { softwareConfig } from '../nova/server.js';

interface Part { contentType: string; filename?: string; body: string }

/** The parts of a multipart MIME message (its boundary from its header). */
export function mimeParts(message: string): Part[] {
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(message)?.[1];
  if (!boundary) return [];
  const chunks = message.split(`--${boundary}`).slice(1);
  const out: Part[] = [];
  for (const chunk of chunks) {
    if (chunk.startsWith('--')) break;
    const text = chunk.replace(/^\r?\n/, '');
    const split = text.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    const head = text.slice(0, split);
    let body = text.slice(split).replace(/^\r?\n\r?\n/, '').replace(/\r?\n$/, '');
    const type = /^content-type:\s*([^;\r\n]+)/im.exec(head)?.[1]?.trim() ?? 'text/plain';
    if (/^content-transfer-encoding:\s*base64/im.test(head)) body = Buffer.from(body, 'base64').toString('utf8');
    const filename = /filename="([^"]*)"/i.exec(head)?.[1];
    out.push({ contentType: type, ...(filename !== undefined ? { filename } : {}), body });
  }
  return out;
}

/** Renders parts as Python's email package does for MIMEMultipart of MIMETexts. */
export function mimeMessage(parts: readonly Part[]): string {
  const boundary = `===============${String(randomInt(10 ** 9)).padStart(19, '0').slice(-19)}==`;
  const lines = [`Content-Type: multipart/mixed; boundary="${boundary}"`, 'MIME-Version: 1.0', ''];
  for (const p of parts) {
    const ascii = /^[\x00-\x7f]*$/.test(p.body);
    lines.push(`--${boundary}`, `Content-Type: ${p.contentType}; charset="${ascii ? 'us-ascii' : 'utf-8'}"`, 'MIME-Version: 1.0',
      `Content-Transfer-Encoding: ${ascii ? '7bit' : 'base64'}`);
    if (p.filename !== undefined) lines.push(`Content-Disposition: attachment; filename="${p.filename}"`);
    lines.push('', ascii ? p.body : Buffer.from(p.body, 'utf8').toString('base64'));
  }
  lines.push(`--${boundary}--`, '');
  return lines.join('\n');
}

async function partsOf(ctx: ResourceContext, props: Record<string, unknown>): Promise<Part[]> {
  const out: Part[] = [];
  for (const p of (props.parts as Array<Record<string, unknown>> | undefined) ?? []) {
    const ref = String(p.config ?? '');
    const config = await softwareConfig(ctx, ref) ?? ref;
    if (p.type === 'multipart') { out.push(...mimeParts(config)); continue; }
    // Without a subtype Python's MIMEText makes text/plain, which cloud-init reads by its first line.
    out.push({ contentType: `text/${typeof p.subtype === 'string' && p.subtype !== '' ? p.subtype : 'plain'}`, ...(typeof p.filename === 'string' ? { filename: p.filename } : {}), body: config });
  }
  return out;
}

export const multipartMimePlugin: ResourcePlugin = {
  type: 'OS::Heat::MultipartMime',
  description: 'Assembles a collection of software configurations as a multi-part mime message.',
  since: '2014.1',
  properties: {
    parts: {
      type: 'list', description: 'Parts belonging to this message.', default: [],
      schema: { '*': { type: 'map', schema: {
        config: { type: 'string', description: 'Content of part to attach, either inline or by referencing the ID of another software config resource.', required: true },
        filename: { type: 'string', description: 'Optional filename to associate with part.' },
        type: { type: 'string', description: 'Whether the part content is text or multipart.', default: 'text', constraints: [{ allowed_values: ['text', 'multipart'] }] },
        subtype: { type: 'string', description: 'Optional subtype to specify with the type.' },
      } } },
    },
    group: { type: 'string', description: 'Namespace to group this software config by when delivered to a server. This may imply what configuration tool is going to perform the configuration.', default: 'Heat::Ungrouped' },
  },
  attributes: {
    config: { description: 'The config value of the software config.', type: 'string' },
  },
  async create(ctx, props) {
    return { physicalId: ctx.resource.id, attributes: { config: mimeMessage(await partsOf(ctx, props)) }, data: { group: props.group } };
  },
  async delete() { /* kept with the resource row */ },
};
