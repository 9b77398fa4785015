/**
 * Tags on standard-attribute resources (Neutron's `standard-attr-tag`): stored per resource id, shown as
 * `tags` on the resource, filtered with tags/tags-any/not-tags/not-tags-any (listing.ts) and managed under
 * `/v2.0/{collection}/{id}/tags`. Seeing the tags needs the resource's get policy, changing them its update
 * policy, as Neutron's tag policies resolve to the parent's.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { NetworkTables } from './tables.js';
import type { NetworkContext } from './context.js';
import { httpBadRequest, invalidAttribute, tagNotFound } from './errors.js';
import { py } from './attributes.js';

/** Longest tag Neutron accepts (MAX_TAG_LEN). */
const MAX_TAG_LEN = 255;

/** The tags of each id, sorted. */
export async function tagsOf(db: Kysely<NetworkTables>, ids: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (ids.length === 0) return out;
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('tag').selectAll().where('resource_id', 'in', ids.slice(i, i + 500)).execute();
    for (const r of rows) out.set(r.resource_id, [...(out.get(r.resource_id) ?? []), r.tag]);
  }
  for (const list of out.values()) list.sort();
  return out;
}

/** Removes every tag of the given resources (they are being deleted). */
export async function deleteTags(tx: Kysely<NetworkTables>, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) await tx.deleteFrom('tag').where('resource_id', 'in', ids.slice(i, i + 500)).execute();
}

function validTag(v: unknown): string {
  if (typeof v !== 'string' || v === '') throw invalidAttribute('tags', `'${py(v)}' is not a valid string`);
  if (v.length > MAX_TAG_LEN) throw invalidAttribute('tags', `'${v}' exceeds maximum length of ${MAX_TAG_LEN}`);
  return v;
}

/**
 * Resolves a tagged resource for the caller: throws the resource's NotFound when the caller may not see it,
 * and returns a function that throws PolicyNotAuthorized unless the caller may update it.
 */
export type TagParent = (request: FastifyRequest, id: string) => Promise<{ authorizeUpdate(): void }>;

type P = { Params: { id: string; tag?: string } };

/** Registers the tag routes of one collection. */
export function tagRoutes(app: FastifyInstance, ctx: NetworkContext, collection: string, parent: TagParent): void {
  const base = `/v2.0/${collection}/:id/tags`;
  const list = async (id: string): Promise<string[]> => (await tagsOf(ctx.db, [id])).get(id) ?? [];

  app.get<P>(base, async (request) => {
    await parent(request, request.params.id);
    return { tags: await list(request.params.id) };
  });
  app.get<P>(`${base}/:tag`, async (request, reply) => {
    await parent(request, request.params.id);
    if (!(await list(request.params.id)).includes(request.params.tag!)) throw tagNotFound(request.params.tag!);
    return reply.code(204).send();
  });
  app.put<P>(base, async (request) => {
    (await parent(request, request.params.id)).authorizeUpdate();
    const body = request.body as { tags?: unknown } | undefined;
    if (!body || !Array.isArray(body.tags)) throw httpBadRequest("Invalid input for tags. Reason: 'tags' must be a list.");
    const tags = [...new Set(body.tags.map(validTag))].sort();
    await ctx.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('tag').where('resource_id', '=', request.params.id).execute();
      for (const tag of tags) await tx.insertInto('tag').values({ resource_id: request.params.id, tag }).execute();
    });
    return { tags };
  });
  app.put<P>(`${base}/:tag`, async (request, reply) => {
    (await parent(request, request.params.id)).authorizeUpdate();
    const tag = validTag(request.params.tag);
    await ctx.db.insertInto('tag').values({ resource_id: request.params.id, tag }).onConflict((oc) => oc.columns(['resource_id', 'tag']).doNothing()).execute();
    return reply.code(201).send();
  });
  app.delete<P>(base, async (request, reply) => {
    (await parent(request, request.params.id)).authorizeUpdate();
    await ctx.db.deleteFrom('tag').where('resource_id', '=', request.params.id).execute();
    return reply.code(204).send();
  });
  app.delete<P>(`${base}/:tag`, async (request, reply) => {
    (await parent(request, request.params.id)).authorizeUpdate();
    const res = await ctx.db.deleteFrom('tag').where('resource_id', '=', request.params.id).where('tag', '=', request.params.tag!).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw tagNotFound(request.params.tag!);
    return reply.code(204).send();
  });
}
