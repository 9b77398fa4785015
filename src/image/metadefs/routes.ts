/**
 * /v2/metadefs: the metadata definitions catalog (namespaces of property definitions that tell clients
 * such as Horizon which image, flavor or volume properties exist), with Glance's policies: anyone may read
 * public namespaces and their project's, only admins change the catalog.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BadRequest, Forbidden, NotFound } from '../../platform/errors.js';
import type { Caller } from '../access.js';
import type { ImageAction } from '../policy-rules.js';
import type { ImageContext } from '../context.js';
import { isoSeconds, nowIso } from '../model.js';
import { metadefSchemas } from '../metadef-schemas.js';
import { validate } from '../schemas.js';
import { callerOf, queryOf, rejectOtherMethods } from '../routes/http.js';
import type { MetadefStore, Namespace, Association, Entry, EntryKind, MetadefVisibility } from './store.js';

const NS = '/v2/metadefs/namespaces';
const href = (ns: string, rest = ''): string => `${NS}/${encodeURIComponent(ns)}${rest}`;

function body(request: FastifyRequest): Record<string, unknown> {
  const b = request.body;
  if (b === undefined) throw new BadRequest('Body expected in request.');
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new BadRequest('The request body must be a JSON object.');
  return b as Record<string, unknown>;
}

const stamps = (x: { createdAt: string; updatedAt: string }): Record<string, string> => ({ created_at: isoSeconds(x.createdAt), updated_at: isoSeconds(x.updatedAt) });

function associationView(a: Association): Record<string, unknown> {
  return { name: a.name, ...(a.prefix !== null ? { prefix: a.prefix } : {}), ...(a.propertiesTarget !== null ? { properties_target: a.propertiesTarget } : {}), ...stamps(a) };
}

function objectView(ns: string, e: Entry): Record<string, unknown> {
  return { ...e.body, name: e.name, schema: '/v2/schemas/metadefs/object', self: href(ns, `/objects/${encodeURIComponent(e.name)}`), ...stamps(e) };
}

const propertyView = (e: Entry): Record<string, unknown> => ({ name: e.name, ...e.body });
const tagView = (e: Entry): Record<string, unknown> => ({ name: e.name, ...stamps(e) });

/** Drops the read-only attributes a client may echo back. */
function definition(b: Record<string, unknown>): Record<string, unknown> {
  const { name: _n, self: _s, schema: _sc, created_at: _c, updated_at: _u, ...rest } = b;
  return rest;
}

/** An embedded definition must be a JSON object. */
function asObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadRequest(`Each ${what} must be a JSON object.`);
  return v as Record<string, unknown>;
}

function entryName(b: Record<string, unknown>, kind: EntryKind): string {
  if (typeof b.name !== 'string' || b.name === '') throw new BadRequest(`A metadata definition ${kind} needs a name.`);
  if (b.name.length > 80) throw new BadRequest(`Provided object does not match schema '${kind}': '${b.name}' is too long`);
  return b.name;
}

export function metadefRoutes(app: FastifyInstance, ctx: ImageContext, store: MetadefStore): void {
  const { access } = ctx;
  const policy = (caller: Caller, action: ImageAction, target: Record<string, unknown> = { project_id: caller.project }): boolean =>
    access.check(caller, action, target);
  const adminOnly = (caller: Caller, action: ImageAction): void => {
    if (!policy(caller, action)) throw new Forbidden(`You are not authorized to perform the requested action: ${action}.`);
  };

  /** The namespace if the caller may read it; other projects' private namespaces are a 404. */
  const readable = async (caller: Caller, name: string): Promise<Namespace> => {
    const ns = await store.namespace(name);
    if (!ns || !policy(caller, 'get_metadef_namespace', { project_id: ns.owner, visibility: ns.visibility })) {
      throw new NotFound(`Metadata definition namespace=${name} was not found.`);
    }
    return ns;
  };

  const namespaceView = async (ns: Namespace, full: boolean): Promise<Record<string, unknown>> => {
    const view: Record<string, unknown> = {
      namespace: ns.namespace,
      ...(ns.displayName !== null ? { display_name: ns.displayName } : {}),
      ...(ns.description !== null ? { description: ns.description } : {}),
      visibility: ns.visibility, protected: ns.protected, owner: ns.owner, ...stamps(ns),
      self: href(ns.namespace), schema: '/v2/schemas/metadefs/namespace',
    };
    const associations = await store.associations(ns.namespace);
    if (associations.length > 0) view.resource_type_associations = associations.map(associationView);
    if (full) {
      const properties = await store.entries('property', ns.namespace);
      if (properties.length > 0) view.properties = Object.fromEntries(properties.map((p) => [p.name, p.body]));
      const objects = await store.entries('object', ns.namespace);
      if (objects.length > 0) view.objects = objects.map((o) => objectView(ns.namespace, o));
      const tags = await store.entries('tag', ns.namespace);
      if (tags.length > 0) view.tags = tags.map((t) => ({ name: t.name }));
    }
    return view;
  };

  /** Creates what a namespace body embeds: associations, properties, objects, tags. */
  const addContents = async (ns: string, b: Record<string, unknown>): Promise<void> => {
    const now = nowIso();
    for (const raw of (Array.isArray(b.resource_type_associations) ? b.resource_type_associations : []) as unknown[]) {
      const a = asObject(raw, 'resource type association');
      await store.associate(ns, { name: entryName(a, 'property'), prefix: (a.prefix as string | undefined) ?? null, propertiesTarget: (a.properties_target as string | undefined) ?? null, createdAt: now, updatedAt: now });
    }
    const props = asObject(b.properties ?? {}, 'properties map');
    await store.addEntries('property', ns, Object.entries(props).map(([name, def]) => ({ name, body: definition(asObject(def, 'property')), createdAt: now, updatedAt: now })));
    const objects = (Array.isArray(b.objects) ? b.objects : []) as unknown[];
    await store.addEntries('object', ns, objects.map((o) => ({ name: entryName(asObject(o, 'object'), 'object'), body: definition(asObject(o, 'object')), createdAt: now, updatedAt: now })));
    const tags = (Array.isArray(b.tags) ? b.tags : []) as unknown[];
    await store.addEntries('tag', ns, tags.map((x) => ({ name: entryName(asObject(x, 'tag'), 'tag'), body: {}, createdAt: now, updatedAt: now })));
  };

  // ---- namespaces ----

  app.get(NS, async (request) => {
    const caller = callerOf(ctx, request);
    if (!policy(caller, 'get_metadef_namespaces')) throw new Forbidden('You are not authorized to perform the requested action: get_metadef_namespaces.');
    const q = queryOf(request);
    const visibility = q.get('visibility');
    if (visibility !== null && visibility !== 'public' && visibility !== 'private') throw new BadRequest(`Invalid visibility value: ${visibility}`);
    const resourceTypes = q.get('resource_types')?.split(',').map((s) => s.trim()).filter(Boolean);
    let list = (await store.namespaces({ ...(visibility ? { visibility: visibility as MetadefVisibility } : {}), ...(resourceTypes ? { resourceTypes } : {}) }))
      .filter((ns) => policy(caller, 'get_metadef_namespace', { project_id: ns.owner, visibility: ns.visibility }));
    const marker = q.get('marker');
    if (marker !== null) {
      const i = list.findIndex((ns) => ns.namespace === marker);
      if (i < 0) throw new BadRequest(`Metadata definition namespace=${marker} was not found.`);
      list = list.slice(i + 1);
    }
    const limitRaw = q.get('limit');
    const limit = limitRaw === null ? 1000 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 0) throw new BadRequest('limit param must be a positive integer');
    const page = list.slice(0, limit);
    const out: Record<string, unknown> = { namespaces: await Promise.all(page.map((ns) => namespaceView(ns, false))), first: NS, schema: '/v2/schemas/metadefs/namespaces' };
    if (page.length > 0 && page.length === limit && list.length > limit) out.next = `${NS}?marker=${encodeURIComponent(page[page.length - 1]!.namespace)}&limit=${limit}`;
    return out;
  });

  app.post(NS, async (request, reply) => {
    const caller = callerOf(ctx, request);
    adminOnly(caller, 'add_metadef_namespace');
    const b = body(request);
    for (const key of ['self', 'schema', 'created_at', 'updated_at']) if (key in b) throw new Forbidden(`Attribute '${key}' is read-only.`);
    validate(b, metadefSchemas['metadefs/namespace']!());
    const now = nowIso();
    const ns: Namespace = {
      namespace: b.namespace as string, displayName: (b.display_name as string | undefined) ?? null, description: (b.description as string | undefined) ?? null,
      visibility: (b.visibility as MetadefVisibility | undefined) ?? 'private', protected: (b.protected as boolean | undefined) ?? false,
      owner: (b.owner as string | undefined) ?? caller.project ?? '', createdAt: now, updatedAt: now,
    };
    await store.createNamespace(ns);
    try {
      await addContents(ns.namespace, b);
    } catch (err) {
      await store.deleteNamespace(ns.namespace);
      throw err;
    }
    return reply.code(201).send(await namespaceView(ns, true));
  });
  rejectOtherMethods(app, NS, ['GET', 'POST']);

  app.get(`${NS}/:ns`, async (request) => namespaceView(await readable(callerOf(ctx, request), (request.params as { ns: string }).ns), true));

  app.put(`${NS}/:ns`, async (request) => {
    const caller = callerOf(ctx, request);
    const was = await readable(caller, (request.params as { ns: string }).ns);
    adminOnly(caller, 'modify_metadef_namespace');
    const b = body(request);
    validate(b, { ...metadefSchemas['metadefs/namespace']!(), additionalProperties: true });
    const ns: Namespace = {
      ...was,
      namespace: b.namespace as string,
      displayName: (b.display_name as string | undefined) ?? null,
      description: (b.description as string | undefined) ?? null,
      visibility: (b.visibility as MetadefVisibility | undefined) ?? was.visibility,
      protected: (b.protected as boolean | undefined) ?? was.protected,
      owner: (b.owner as string | undefined) ?? was.owner,
      updatedAt: nowIso(),
    };
    await store.updateNamespace(was.namespace, ns);
    return namespaceView(ns, false);
  });

  app.delete(`${NS}/:ns`, async (request, reply) => {
    const caller = callerOf(ctx, request);
    const ns = await readable(caller, (request.params as { ns: string }).ns);
    adminOnly(caller, 'delete_metadef_namespace');
    if (ns.protected) throw new Forbidden(`Namespace ${ns.namespace} is protected and cannot be deleted.`);
    await store.deleteNamespace(ns.namespace);
    return reply.code(204).send();
  });
  rejectOtherMethods(app, `${NS}/:ns`, ['GET', 'PUT', 'DELETE']);

  // ---- resource types ----

  app.get('/v2/metadefs/resource_types', async (request) => {
    const caller = callerOf(ctx, request);
    if (!policy(caller, 'list_metadef_resource_types')) throw new Forbidden('You are not authorized to perform the requested action: list_metadef_resource_types.');
    return { resource_types: (await store.resourceTypes()).map((t) => ({ name: t.name, ...stamps(t) })) };
  });
  rejectOtherMethods(app, '/v2/metadefs/resource_types', ['GET']);

  app.get(`${NS}/:ns/resource_types`, async (request) => {
    const ns = await readable(callerOf(ctx, request), (request.params as { ns: string }).ns);
    return { resource_type_associations: (await store.associations(ns.namespace)).map(associationView) };
  });

  app.post(`${NS}/:ns/resource_types`, async (request, reply) => {
    const caller = callerOf(ctx, request);
    const ns = await readable(caller, (request.params as { ns: string }).ns);
    adminOnly(caller, 'add_metadef_resource_type_association');
    const b = body(request);
    validate(b, metadefSchemas['metadefs/resource_type']!());
    const now = nowIso();
    const a: Association = { name: b.name as string, prefix: (b.prefix as string | undefined) ?? null, propertiesTarget: (b.properties_target as string | undefined) ?? null, createdAt: now, updatedAt: now };
    await store.associate(ns.namespace, a);
    return reply.code(201).send(associationView(a));
  });
  rejectOtherMethods(app, `${NS}/:ns/resource_types`, ['GET', 'POST']);

  app.delete(`${NS}/:ns/resource_types/:rt`, async (request, reply) => {
    const caller = callerOf(ctx, request);
    const { ns: name, rt } = request.params as { ns: string; rt: string };
    const ns = await readable(caller, name);
    adminOnly(caller, 'remove_metadef_resource_type_association');
    if (ns.protected) throw new Forbidden(`Namespace ${ns.namespace} is protected: its resource type associations cannot be removed.`);
    await store.dissociate(ns.namespace, rt);
    return reply.code(204).send();
  });
  rejectOtherMethods(app, `${NS}/:ns/resource_types/:rt`, ['DELETE']);

  entryRoutes(app, ctx, store, readable, adminOnly);
}

type Readable = (caller: Caller, name: string) => Promise<Namespace>;
type AdminOnly = (caller: Caller, action: ImageAction) => void;

/** Objects, properties and tags: the same CRUD over three kinds of named entries. */
function entryRoutes(app: FastifyInstance, ctx: ImageContext, store: MetadefStore, readable: Readable, adminOnly: AdminOnly): void {
  const kinds: Array<{ kind: EntryKind; path: string; list: (ns: string, all: Entry[]) => Record<string, unknown>; one: (ns: string, e: Entry) => Record<string, unknown> }> = [
    { kind: 'object', path: 'objects', list: (ns, all) => ({ objects: all.map((e) => objectView(ns, e)), schema: '/v2/schemas/metadefs/objects' }), one: objectView },
    { kind: 'property', path: 'properties', list: (_ns, all) => ({ properties: Object.fromEntries(all.map((e) => [e.name, e.body])) }), one: (_ns, e) => propertyView(e) },
    { kind: 'tag', path: 'tags', list: (_ns, all) => ({ tags: all.map(tagView) }), one: (_ns, e) => tagView(e) },
  ];
  for (const { kind, path, list, one } of kinds) {
    const base = `${NS}/:ns/${path}`;
    const schema = metadefSchemas[`metadefs/${kind}`]!;
    const toEntry = (b: Record<string, unknown>): Entry => {
      validate(kind === 'tag' ? { name: b.name } : b, { ...schema(), additionalProperties: true });
      const now = nowIso();
      return { name: entryName(b, kind), body: kind === 'tag' ? {} : definition(b), createdAt: now, updatedAt: now };
    };
    const nsOf = (request: FastifyRequest): string => (request.params as { ns: string }).ns;
    const nameOf = (request: FastifyRequest): string => (request.params as { name: string }).name;
    const found = async (ns: string, name: string): Promise<Entry> => {
      const e = await store.entry(kind, ns, name);
      if (!e) throw new NotFound(`Metadata definition ${kind} not found: ${name} in namespace=${ns}`);
      return e;
    };

    app.get(base, async (request) => {
      const ns = await readable(callerOf(ctx, request), nsOf(request));
      return list(ns.namespace, await store.entries(kind, ns.namespace));
    });

    app.post(base, async (request, reply) => {
      const caller = callerOf(ctx, request);
      const ns = await readable(caller, nsOf(request));
      adminOnly(caller, `add_metadef_${kind === 'tag' ? 'tags' : kind}`);
      const b = body(request);
      if (kind === 'tag') {
        // Bulk: the given tags replace the namespace's, unless X-Openstack-Append asks to add them.
        if (!Array.isArray(b.tags)) throw new BadRequest("Provided object does not match schema 'tags': 'tags' is a required property");
        const entries = (b.tags as unknown[]).map((x) => toEntry(asObject(x, 'tag')));
        const append = String(request.headers['x-openstack-append'] ?? '').toLowerCase() === 'true';
        await store.addEntries('tag', ns.namespace, entries, !append);
        return reply.code(201).send({ tags: entries.map((e) => ({ name: e.name })) });
      }
      const e = toEntry(b);
      await store.addEntries(kind, ns.namespace, [e]);
      return reply.code(201).send(one(ns.namespace, e));
    });

    app.delete(base, async (request, reply) => {
      const caller = callerOf(ctx, request);
      const ns = await readable(caller, nsOf(request));
      adminOnly(caller, kind === 'tag' ? 'delete_metadef_tags' : 'delete_metadef_namespace');
      if (ns.protected) throw new Forbidden(`Namespace ${ns.namespace} is protected and its ${path} cannot be deleted.`);
      await store.deleteEntries(kind, ns.namespace);
      return reply.code(204).send();
    });
    rejectOtherMethods(app, base, ['GET', 'POST', 'DELETE']);

    app.get(`${base}/:name`, async (request) => {
      const ns = await readable(callerOf(ctx, request), nsOf(request));
      return one(ns.namespace, await found(ns.namespace, nameOf(request)));
    });

    if (kind === 'tag') {
      app.post(`${base}/:name`, async (request, reply) => {
        const caller = callerOf(ctx, request);
        const ns = await readable(caller, nsOf(request));
        adminOnly(caller, 'add_metadef_tag');
        const e = toEntry({ name: nameOf(request) });
        await store.addEntries('tag', ns.namespace, [e]);
        return reply.code(201).send(tagView(e));
      });
    }

    app.put(`${base}/:name`, async (request) => {
      const caller = callerOf(ctx, request);
      const ns = await readable(caller, nsOf(request));
      adminOnly(caller, `modify_metadef_${kind}`);
      const was = await found(ns.namespace, nameOf(request));
      const e = { ...toEntry(body(request)), createdAt: was.createdAt };
      await store.updateEntry(kind, ns.namespace, was.name, e);
      return one(ns.namespace, e);
    });

    app.delete(`${base}/:name`, async (request, reply) => {
      const caller = callerOf(ctx, request);
      const ns = await readable(caller, nsOf(request));
      adminOnly(caller, kind === 'property' ? 'remove_metadef_property' : `delete_metadef_${kind}`);
      if (ns.protected) throw new Forbidden(`Namespace ${ns.namespace} is protected and its ${kind} cannot be deleted.`);
      await store.deleteEntry(kind, ns.namespace, nameOf(request));
      return reply.code(204).send();
    });
    rejectOtherMethods(app, `${base}/:name`, kind === 'tag' ? ['GET', 'POST', 'PUT', 'DELETE'] : ['GET', 'PUT', 'DELETE']);
  }
}
