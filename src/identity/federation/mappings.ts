/**
 * /v3/OS-FEDERATION/mappings/{mapping_id}: attribute-mapping rules, checked against Keystone's mapping
 * schema of the version they declare (schemas.mappingCreate).
 */
import type { FastifyInstance } from 'fastify';
import * as schemas from '../schemas.js';
import { enforce, listBody, type IdentityContext } from '../context.js';
import type { FederationStore, MappingSchemaVersion } from './store.js';
import { clientChosenId, renderMapping } from './render.js';

type MappingBody = { mapping: { rules: unknown[]; schema_version?: MappingSchemaVersion | '' | null } };

/**
 * The version a mapping is stored with. Keystone fills in its configured default ('1.0') whenever the
 * request gives none, on update as well as on create.
 */
function versionOf(body: MappingBody): MappingSchemaVersion {
  return body.mapping.schema_version || '1.0';
}

export function mappingRoutes(app: FastifyInstance, ctx: IdentityContext, store: FederationStore): void {
  app.put<{ Params: { mapping_id: string } }>('/v3/OS-FEDERATION/mappings/:mapping_id', { schema: { body: schemas.mappingCreate } }, async (request, reply) => {
    enforce(ctx, request, 'identity:create_mapping');
    const body = request.body as MappingBody;
    const mapping = await store.insertMapping({ id: clientChosenId(request.params.mapping_id, 'mapping'), rules: body.mapping.rules, schemaVersion: versionOf(body) });
    return reply.code(201).send({ mapping: renderMapping(ctx, mapping) });
  });

  app.get('/v3/OS-FEDERATION/mappings', async (request) => {
    enforce(ctx, request, 'identity:list_mappings');
    return listBody(ctx, request, 'mappings', (await store.listMappings()).map((m) => renderMapping(ctx, m)));
  });

  app.get<{ Params: { mapping_id: string } }>('/v3/OS-FEDERATION/mappings/:mapping_id', async (request) => {
    enforce(ctx, request, 'identity:get_mapping');
    return { mapping: renderMapping(ctx, await store.getMapping(request.params.mapping_id)) };
  });

  app.patch<{ Params: { mapping_id: string } }>('/v3/OS-FEDERATION/mappings/:mapping_id', { schema: { body: schemas.mappingUpdate } }, async (request) => {
    enforce(ctx, request, 'identity:update_mapping');
    const mapping = await store.getMapping(request.params.mapping_id);
    const body = request.body as MappingBody;
    return { mapping: renderMapping(ctx, await store.updateMapping({ ...mapping, rules: body.mapping.rules, schemaVersion: versionOf(body) })) };
  });

  // Keystone lets a mapping go while protocols still name it; they then fail at login, not here.
  app.delete<{ Params: { mapping_id: string } }>('/v3/OS-FEDERATION/mappings/:mapping_id', async (request, reply) => {
    enforce(ctx, request, 'identity:delete_mapping');
    await store.getMapping(request.params.mapping_id);
    await store.deleteMapping(request.params.mapping_id);
    return reply.code(204).send();
  });
}
