/** /v2/schemas/*: the JSON schemas clients validate against. */
import type { FastifyInstance } from 'fastify';
import type { ImageContext } from '../context.js';
import { imageSchema, imagesSchema, memberSchema, membersSchema, type JsonSchema } from '../schemas.js';
import { metadefSchemas } from '../metadef-schemas.js';
import { rejectOtherMethods } from './http.js';

export function schemaRoutes(app: FastifyInstance, _ctx: ImageContext): void {
  const schemas: Record<string, () => JsonSchema> = {
    image: imageSchema,
    images: imagesSchema,
    member: memberSchema,
    members: membersSchema,
    ...metadefSchemas,
  };
  for (const [name, schema] of Object.entries(schemas)) {
    // Built once: every request gets the same document.
    const body = JSON.stringify(schema());
    app.get(`/v2/schemas/${name}`, async (_request, reply) => reply.type('application/json').send(body));
    rejectOtherMethods(app, `/v2/schemas/${name}`, ['GET']);
  }
}
