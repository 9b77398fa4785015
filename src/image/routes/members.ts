/**
 * /v2/images/{id}/members: the projects a `shared` image is shared with. The owner adds and removes
 * members; each member project accepts or rejects the image for itself (an accepted image appears in its
 * default image list). Members see only their own membership.
 */
import type { FastifyInstance } from 'fastify';
import { BadRequest, Forbidden, NotFound, OverLimit } from '../../platform/errors.js';
import type { Caller } from '../access.js';
import type { ImageContext } from '../context.js';
import { LIMITS, MEMBER_STATUSES, nowIso, type Image, type Member, type MemberStatus } from '../model.js';
import { memberView } from '../render.js';
import { callerOf, imageIdOf, rejectOtherMethods } from './http.js';

function bodyObject(body: unknown, expected: string): Record<string, unknown> {
  if (body === undefined) throw new BadRequest('Body expected in request.');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest(`Expected a ${expected}`);
  return body as Record<string, unknown>;
}

export function memberRoutes(app: FastifyInstance, ctx: ImageContext): void {
  const { store, access } = ctx;

  /** The image, if the caller can see it and it is shared (only shared images have members). */
  const sharedImage = async (caller: Caller, request: Parameters<typeof imageIdOf>[0], forbidden: string): Promise<Image> => {
    const id = imageIdOf(request);
    const image = await store.find(id);
    if (!image || !(await access.canSee(caller, image))) throw new NotFound(`Image ${id} not found.`);
    if (image.visibility !== 'shared') throw new Forbidden(`${forbidden}: Only shared images have members.`);
    return image;
  };

  /** What a non-owner may see of the member list: its own membership only. */
  const seesAll = (caller: Caller, image: Image): boolean => caller.admin || caller.project === image.owner;

  const memberOf = async (caller: Caller, image: Image, memberId: string): Promise<Member> => {
    const m = await store.member(image.id, memberId);
    if (!m || (!seesAll(caller, image) && memberId !== caller.project)) {
      throw new NotFound(`${memberId} not found in the member list of the image ${image.id}.`);
    }
    return m;
  };

  app.post('/v2/images/:id/members', async (request) => {
    const caller = callerOf(ctx, request);
    const body = bodyObject(request.body, 'member in the form: {"member": "image_id"}');
    if (!('member' in body)) throw new BadRequest('Member to be added not specified');
    const memberId = body.member;
    if (memberId === '' || memberId === null || memberId === undefined) throw new BadRequest("Member can't be empty");
    if (typeof memberId !== 'string' || memberId.length > 255) throw new BadRequest('Expected a member in the form: {"member": "image_id"}');
    const image = await sharedImage(caller, request, `Not allowed to create members for image ${imageIdOf(request)}`);
    access.authorize(caller, 'add_member', image, `Not allowed to create members for image ${image.id}.`);
    if ((await store.members(image.id)).length >= LIMITS.members) {
      throw new OverLimit(`Image member limit exceeded for image ${image.id}: ${LIMITS.members} members at most`);
    }
    const now = nowIso();
    const member: Member = { imageId: image.id, memberId, status: 'pending', createdAt: now, updatedAt: now };
    await store.addMember(member);
    return memberView(member);
  });

  app.get('/v2/images/:id/members', async (request) => {
    const caller = callerOf(ctx, request);
    const image = await sharedImage(caller, request, `Not allowed to list members for image ${imageIdOf(request)}`);
    access.authorize(caller, 'get_members', image, `Not allowed to list members for image ${image.id}.`);
    const all = await store.members(image.id);
    const members = seesAll(caller, image) ? all : all.filter((m) => m.memberId === caller.project);
    return { members: members.map(memberView), schema: '/v2/schemas/members' };
  });
  rejectOtherMethods(app, '/v2/images/:id/members', ['GET', 'POST']);

  app.get('/v2/images/:id/members/:member', async (request) => {
    const caller = callerOf(ctx, request);
    const { member } = request.params as { member: string };
    let image: Image;
    try {
      image = await sharedImage(caller, request, 'Not allowed');
      access.authorize(caller, 'get_member', image);
    } catch (err) {
      // Glance hides why a membership cannot be shown: a 404 either way.
      if (err instanceof Forbidden) throw new NotFound(err.message);
      throw err;
    }
    return memberView(await memberOf(caller, image, member));
  });

  app.put('/v2/images/:id/members/:member', async (request) => {
    const caller = callerOf(ctx, request);
    const { member } = request.params as { member: string };
    const body = bodyObject(request.body, 'status in the form: {"status": "status"}');
    if (!('status' in body)) throw new BadRequest('Status not specified');
    const image = await sharedImage(caller, request, `Not allowed to update members for image ${imageIdOf(request)}`);
    await memberOf(caller, image, member);
    // Only the member project itself decides (modify_member targets the caller's own membership).
    if (member !== caller.project && !caller.admin) throw new Forbidden(`Not allowed to update members for image ${image.id}.`);
    access.authorize(caller, 'modify_member', image, `Not allowed to update members for image ${image.id}.`);
    const status = body.status;
    if (typeof status !== 'string' || !(MEMBER_STATUSES as readonly string[]).includes(status)) {
      throw new BadRequest('Incorrect request: Status must be "pending", "accepted" or "rejected".');
    }
    return memberView(await store.setMemberStatus(image.id, member, status as MemberStatus));
  });

  app.delete('/v2/images/:id/members/:member', async (request, reply) => {
    const caller = callerOf(ctx, request);
    const { member } = request.params as { member: string };
    const image = await sharedImage(caller, request, `Not allowed to delete members for image ${imageIdOf(request)}`);
    await memberOf(caller, image, member);
    access.authorize(caller, 'delete_member', image, `Not allowed to delete members for image ${image.id}.`);
    await store.removeMember(image.id, member);
    return reply.code(204).send();
  });
  rejectOtherMethods(app, '/v2/images/:id/members/:member', ['GET', 'PUT', 'DELETE']);
}
