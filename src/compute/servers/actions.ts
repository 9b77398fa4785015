/**
 * POST /servers/{id}/action: start, stop, reboot, pause, unpause, resize (confirm, revert), rebuild,
 * createImage, os-getConsoleOutput, lock, unlock. Each state change is one transaction through
 * ServerService.transition; the agent carries it out and the status follows from its reports.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadRequest, Conflict, Forbidden, NotFound, NotImplemented } from '../../platform/errors.js';
import { authOf } from '../../platform/auth/middleware.js';
import { can, enforce, isAdmin, projectIdOf, requestBase, type ComputeContext } from '../context.js';
import * as v from '../validate.js';
import type { TaskState, VmState } from '../model.js';
import { snapshotOf } from '../flavors/store.js';
import { isUp } from '../hosts/store.js';
import { consoleOutput } from '../console.js';
import { diskOf, NO_VALID_HOST, ALLOCATION } from '../scheduler.js';
import { generatePassword, imageMetaOf } from './create.js';
import type { ContainerFormat, DiskFormat } from '../../image/client.js';
import { callerOf, renderServer, visibleServer } from './routes.js';
import { updateView } from './render.js';
import type { ServerRecord } from './store.js';

type IdParams = { id: string };
type Handler = (request: FastifyRequest, reply: FastifyReply, s: ServerRecord, arg: v.Json) => Promise<unknown>;

const REBOOT_TASKS: ReadonlyArray<TaskState | null> = [null, 'rebooting', 'rebooting_hard', 'pausing', 'unpausing'];

export function actionRoutes(app: FastifyInstance, ctx: ComputeContext): void {
  /**
   * Creates the image record (as the caller, so it is theirs) and asks the agent to fill it; returns its
   * id. The record inherits what the server inherited from its image at boot, even if that image is gone.
   */
  const snapshot = async (request: FastifyRequest, s: ServerRecord, o: { name: string; metadata: Record<string, string>; action: string; vmStates: VmState[]; task: TaskState; properties: Record<string, string> }): Promise<string> => {
    if (!request.microversion.atLeast('2.39')) await ctx.quotas.checkMetadata(s.projectId, Object.keys(o.metadata).length).catch(() => { throw new Forbidden('Image metadata limit exceeded'); });
    const auth = authOf(request);
    const state = await ctx.serverService.derive(s);
    if (!o.vmStates.includes(state.vmState)) throw new Conflict(`Cannot '${o.action}' instance ${s.id} while it is in vm_state ${state.vmState}`);
    if (state.taskState !== null) throw new Conflict(`Cannot '${o.action}' instance ${s.id} while it is in task_state ${state.taskState}`);
    const ownSnapshot = auth.scope.kind === 'project' && auth.scope.project.id === s.projectId;
    const meta = s.imageMeta ?? { minRam: 0, minDisk: s.flavor.diskGb, containerFormat: 'docker', diskFormat: 'raw', properties: {} };
    const image = await ctx.images.create(auth.token, {
      ...meta.properties,
      ...o.metadata,
      name: o.name,
      container_format: (meta.containerFormat ?? 'docker') as ContainerFormat,
      disk_format: (meta.diskFormat ?? 'raw') as DiskFormat,
      min_ram: meta.minRam,
      min_disk: meta.minDisk,
      instance_uuid: s.id,
      user_id: auth.user.id,
      base_image_ref: s.imageId,
      ...o.properties,
      // As Nova: the owner's own snapshot is private; one an admin takes of another project's server
      // stays shared (Glance's default) with that project as a member, so its owner still sees it.
      ...(ownSnapshot ? { visibility: 'private' as const } : {}),
    });
    if (!ownSnapshot) await ctx.images.addMember(auth.token, image.id, s.projectId).catch(() => undefined);
    try {
      await ctx.serverService.transition(callerOf(ctx, request), s.id, {
        action: o.action, vmStates: o.vmStates,
        change: async () => ({ set: { snapshot_image_id: image.id, snapshot_requested_at: new Date().toISOString(), obs_snapshot_done: null }, task: o.task }),
      });
    } catch (err) {
      // The server changed under us: do not leave an image record no snapshot will ever fill.
      await ctx.images.delete(auth.token, image.id).catch(() => undefined);
      throw err;
    }
    return image.id;
  };

  const simple = (action: string, policy: string, vmStates: readonly VmState[], power: 'running' | 'stopped' | 'paused', task: TaskState): Handler =>
    async (request, reply, s) => {
      enforce(ctx, request, policy, { user_id: s.userId, project_id: s.projectId });
      await ctx.serverService.transition(callerOf(ctx, request), s.id, {
        action, vmStates, change: async () => ({ set: { power }, task }),
      });
      return reply.code(202).send();
    };

  const handlers: Record<string, Handler> = {
    'os-start': simple('start', 'os_compute_api:servers:start', ['stopped'], 'running', 'powering-on'),
    'os-stop': simple('stop', 'os_compute_api:servers:stop', ['active', 'error'], 'stopped', 'powering-off'),
    pause: simple('pause', 'os_compute_api:os-pause-server:pause', ['active'], 'paused', 'pausing'),
    unpause: simple('unpause', 'os_compute_api:os-pause-server:unpause', ['paused'], 'running', 'unpausing'),

    reboot: async (request, reply, s, arg) => {
      if (!v.isObject(arg)) throw v.invalid('reboot', arg, "is not of type 'object'");
      v.onlyKeys(arg, ['type'], 'reboot');
      const type = typeof arg.type === 'string' ? arg.type.toUpperCase() : undefined;
      if (arg.type === undefined) throw v.invalid('reboot', arg, "'type' is a required property");
      if (type !== 'SOFT' && type !== 'HARD' || !['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft'].includes(arg.type as string)) {
        throw v.invalid('type', arg.type, "is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']");
      }
      enforce(ctx, request, 'os_compute_api:servers:reboot', { project_id: s.projectId });
      const hard = type === 'HARD';
      await ctx.serverService.transition(callerOf(ctx, request), s.id, {
        action: 'reboot',
        vmStates: hard ? ['active', 'stopped', 'paused', 'error'] : ['active'],
        taskStates: hard ? REBOOT_TASKS : [null],
        change: async (cur) => ({ set: { power: 'running', reboot_count: cur.desired.rebootCount + 1 }, task: hard ? 'rebooting_hard' : 'rebooting' }),
      });
      return reply.code(202).send();
    },

    resize: async (request, reply, s, arg) => {
      if (!v.isObject(arg)) throw v.invalid('resize', arg, "is not of type 'object'");
      v.onlyKeys(arg, ['flavorRef', 'OS-DCF:diskConfig'], 'resize');
      if (arg.flavorRef === undefined) throw v.invalid('resize', arg, "'flavorRef' is a required property");
      if (!((typeof arg.flavorRef === 'string' && arg.flavorRef.length > 0) || typeof arg.flavorRef === 'number')) throw v.invalid('flavorRef', arg.flavorRef, 'is not valid');
      enforce(ctx, request, 'os_compute_api:servers:resize', { user_id: s.userId, project_id: s.projectId });
      const flavorId = String(arg.flavorRef).split('/').pop()!;
      let flavor;
      try {
        flavor = await ctx.flavors.visible(flavorId, { admin: isAdmin(ctx, request), projectId: projectIdOf(authOf(request)) });
      } catch (err) {
        if (err instanceof NotFound) throw new BadRequest(`Flavor ${flavorId} could not be found.`);
        throw err;
      }
      const next = snapshotOf(flavor);
      await ctx.serverService.transition(callerOf(ctx, request), s.id, {
        action: 'resize', vmStates: ['active', 'stopped'],
        change: async (cur, _d, tx) => {
          if (next.id === cur.flavor.id) throw new BadRequest('When resizing, instances must change flavor!');
          if (!cur.host) throw new Conflict(`Instance ${cur.id} has no host.`);
          await ctx.quotas.checkUpsize(tx, cur.projectId, cur.userId, { cores: next.vcpus - cur.flavor.vcpus, ram: next.ramMb - cur.flavor.ramMb });
          // Servers are resized in place (their container's limits change live), so the new flavor must fit this host.
          const host = await ctx.hosts.host(cur.host, tx);
          if (host) {
            const rows = await tx.selectFrom('server').select('flavor').where('host', '=', cur.host).where('deleted', '=', 0).where('id', '!=', cur.id).execute();
            const used = rows.map((r) => JSON.parse(r.flavor) as typeof next).reduce((a, f) => ({ vcpus: a.vcpus + f.vcpus, ram: a.ram + f.ramMb, disk: a.disk + diskOf(f) }), { vcpus: 0, ram: 0, disk: 0 });
            const fits = host.memoryMb * ALLOCATION.ram - used.ram >= Math.max(next.ramMb, cur.flavor.ramMb)
              && host.vcpus * ALLOCATION.cpu - used.vcpus >= Math.max(next.vcpus, cur.flavor.vcpus)
              && (diskOf(next) === 0 || host.diskGb * ALLOCATION.disk - used.disk >= Math.max(diskOf(next), diskOf(cur.flavor)));
            if (!fits) throw new BadRequest(NO_VALID_HOST);
          }
          return { set: { flavor: JSON.stringify(next), old_flavor: JSON.stringify(cur.flavor), resize_phase: 'migrating' }, task: 'resize_prep' };
        },
      });
      return reply.code(202).send();
    },

    confirmResize: async (request, reply, s) => {
      enforce(ctx, request, 'os_compute_api:servers:confirm_resize', { project_id: s.projectId });
      if (s.resizePhase !== 'migrating') throw new BadRequest('Instance has not been resized.');
      await ctx.serverService.transition(callerOf(ctx, request), s.id, {
        action: 'confirmResize', vmStates: ['resized'],
        // The new limits are already applied: confirming only forgets the old flavor.
        change: async () => ({ set: { old_flavor: null, resize_phase: null }, task: null, bumps: false, finished: true }),
      });
      return reply.code(204).send();
    },

    revertResize: async (request, reply, s) => {
      enforce(ctx, request, 'os_compute_api:servers:revert_resize', { project_id: s.projectId });
      if (s.resizePhase !== 'migrating' || !s.oldFlavor) throw new BadRequest('Instance has not been resized.');
      await ctx.serverService.transition(callerOf(ctx, request), s.id, {
        action: 'revertResize', vmStates: ['resized'],
        change: async (cur) => ({ set: { flavor: JSON.stringify(cur.oldFlavor), old_flavor: null, resize_phase: 'reverting' }, task: 'resize_reverting' }),
      });
      return reply.code(202).send();
    },

    rebuild: async (request, reply, s, arg) => {
      const mv = request.microversion;
      if (!v.isObject(arg)) throw v.invalid('rebuild', arg, "is not of type 'object'");
      const allowed = ['name', 'imageRef', 'adminPass', 'metadata', 'preserve_ephemeral', 'OS-DCF:diskConfig', 'accessIPv4', 'accessIPv6',
        ...(mv.atLeast('2.57') ? [] : ['personality']), ...(mv.atLeast('2.19') ? ['description'] : []), ...(mv.atLeast('2.54') ? ['key_name'] : []),
        ...(mv.atLeast('2.57') ? ['user_data'] : []), ...(mv.atLeast('2.63') ? ['trusted_image_certificates'] : [])];
      v.onlyKeys(arg, allowed, 'rebuild');
      if (arg.imageRef === undefined) throw v.invalid('rebuild', arg, "'imageRef' is a required property");
      const imageId = v.uuid(typeof arg.imageRef === 'string' ? arg.imageRef.split('/').pop() : arg.imageRef, 'imageRef').toLowerCase();
      const set: Record<string, unknown> = { image_id: imageId };
      if (arg.name !== undefined) set.name = v.name(arg.name, 'name').trim();
      if (arg.description !== undefined) set.description = v.description(arg.description, 'description');
      if (arg.accessIPv4 !== undefined) set.access_ipv4 = v.ipv4(arg.accessIPv4, 'accessIPv4');
      if (arg.accessIPv6 !== undefined) set.access_ipv6 = v.ipv6(arg.accessIPv6, 'accessIPv6');
      if (arg.preserve_ephemeral !== undefined) v.boolLike(arg.preserve_ephemeral, 'preserve_ephemeral');
      const metadata = arg.metadata === undefined ? undefined : v.metadata(arg.metadata, 'metadata');
      if (arg.user_data !== undefined) set.user_data = arg.user_data === null ? null : v.base64(arg.user_data, 'user_data');
      const adminPass = arg.adminPass === undefined ? generatePassword() : v.str(arg.adminPass, 'adminPass', 0, 1 << 16);
      enforce(ctx, request, 'os_compute_api:servers:rebuild', { user_id: s.userId, project_id: s.projectId });
      const auth = authOf(request);
      if (arg.key_name !== undefined) {
        if (arg.key_name === null) { set.key_name = null; set.key_data = null; } else {
          const name = v.name(arg.key_name, 'key_name');
          try {
            const kp = await ctx.keypairs.get(auth.user.id, name);
            set.key_name = kp.name;
            set.key_data = kp.publicKey;
          } catch (err) {
            if (err instanceof NotFound) throw new BadRequest('Invalid key_name provided.');
            throw err;
          }
        }
      }
      let image;
      try {
        image = await ctx.images.get(auth.token, imageId);
      } catch (err) {
        if (err instanceof NotFound) throw new BadRequest('Cannot find image for rebuild');
        throw err;
      }
      if (image.status !== 'active') throw new BadRequest(`Image ${image.id} is not active.`);
      if (s.flavor.ramMb < (image.min_ram ?? 0)) throw new BadRequest("Flavor's memory is too small for requested image.");
      if (metadata) await ctx.quotas.checkMetadata(s.projectId, Object.keys(metadata).length);
      set.image_meta = JSON.stringify(imageMetaOf(image, s.flavor.diskGb));
      await ctx.serverService.transition(callerOf(ctx, request), s.id, {
        action: 'rebuild', vmStates: ['active', 'stopped', 'error'],
        change: async (cur, _d, tx) => {
          if (!cur.host) throw new Conflict(`Cannot 'rebuild' instance ${cur.id}: it has no host.`);
          if (metadata) await ctx.servers.setMetadata(tx, cur.id, metadata, false);
          return { set: { ...set, rebuild_count: cur.desired.rebuildCount + 1 }, task: 'rebuilding' };
        },
      });
      const fresh = await ctx.servers.get(s.id);
      const server = await renderServer(ctx, request, fresh, updateView(request, mv.atLeast('2.54'), false));
      server.adminPass = adminPass;
      if (mv.atLeast('2.57')) server.user_data = fresh.userData;
      return reply.code(202).header('location', `${requestBase(ctx, request)}/v2.1/servers/${s.id}`).send({ server });
    },

    createImage: async (request, reply, s, arg) => {
      if (!v.isObject(arg)) throw v.invalid('createImage', arg, "is not of type 'object'");
      v.onlyKeys(arg, ['name', 'metadata'], 'createImage');
      if (arg.name === undefined) throw v.invalid('createImage', arg, "'name' is a required property");
      const name = v.name(arg.name, 'name').trim();
      const metadata = arg.metadata === undefined ? {} : v.metadata(arg.metadata, 'metadata');
      enforce(ctx, request, 'os_compute_api:servers:create_image', { project_id: s.projectId });
      const image = await snapshot(request, s, { name, metadata, action: 'createImage', vmStates: ['active', 'stopped', 'paused'], task: 'image_snapshot', properties: { image_type: 'snapshot' } });
      if (request.microversion.atLeast('2.45')) return reply.code(202).send({ image_id: image });
      return reply.code(202).header('location', `${ctx.imageUrl.replace(/\/+$/, '')}/v2/images/${image}`).send();
    },

    createBackup: async (request, reply, s, arg) => {
      if (!v.isObject(arg)) throw v.invalid('createBackup', arg, "is not of type 'object'");
      v.onlyKeys(arg, ['name', 'backup_type', 'rotation', 'metadata'], 'createBackup');
      v.required(arg, ['name', 'backup_type', 'rotation'], 'createBackup');
      const name = v.name(arg.name, 'name').trim();
      const backupType = v.str(arg.backup_type, 'backup_type', 0, 255);
      const rotation = v.intLike(arg.rotation, 'rotation', 0);
      const metadata = arg.metadata === undefined ? {} : v.metadata(arg.metadata, 'metadata');
      enforce(ctx, request, 'os_compute_api:os-create-backup', { project_id: s.projectId });
      const token = authOf(request).token;
      const image = await snapshot(request, s, { name, metadata, action: 'createBackup', vmStates: ['active', 'stopped'], task: 'image_backup', properties: { image_type: 'backup', backup_type: backupType } });
      // Rotation: keep the newest `rotation` backups of this type, the new one included. Nova rotates once
      // the upload is done, as the compute service; here it happens now, with the caller's own token, so the
      // image service's rules about who may delete what still hold.
      const backups = (await ctx.images.listAll(token, { instance_uuid: s.id, image_type: 'backup', backup_type: backupType, sort_key: 'created_at', sort_dir: 'desc' }))
        .filter((i) => i.id !== image);
      for (const old of backups.slice(Math.max(0, rotation - 1))) await ctx.images.delete(token, old.id).catch(() => undefined);
      if (request.microversion.atLeast('2.45')) return reply.code(202).send({ image_id: image });
      if (rotation > 0) reply.header('location', `${requestBase(ctx, request)}/v2.1/images/${image}`);
      return reply.code(202).send();
    },

    'os-getConsoleOutput': async (request, _reply, s, arg) => {
      const body = arg === null ? {} : arg;
      if (!v.isObject(body)) throw v.invalid('os-getConsoleOutput', arg, "is not of type 'object'");
      v.onlyKeys(body, ['length'], 'os-getConsoleOutput');
      let lines: number | undefined;
      if (body.length !== undefined && body.length !== null) {
        const n = typeof body.length === 'number' ? body.length : typeof body.length === 'string' && /^-?[0-9]+$/.test(body.length) ? Number(body.length) : NaN;
        if (!Number.isInteger(n) || n < -1) throw v.invalid('length', body.length, 'is not valid');
        lines = n === -1 ? undefined : n;
      }
      enforce(ctx, request, 'os_compute_api:os-console-output', { project_id: s.projectId });
      const state = await ctx.serverService.derive(s);
      if (!s.host || state.vmState === 'building') throw new Conflict(`Instance ${s.id} has not been created yet.`);
      const host = await ctx.hosts.host(s.host);
      if (!host || !isUp(host.service)) throw new Conflict(`Compute service of ${s.host} is unavailable at this time.`);
      // Nova tails the log by splitting on newlines, so a log ending in one counts the empty last line.
      const text = lines === 0 ? '' : await consoleOutput(host.agentSocket, s.id, lines === undefined ? undefined : lines + 1);
      const output = lines === undefined ? text : text.split('\n').slice(-lines).join('\n');
      return { output };
    },

    lock: async (request, reply, s, arg) => {
      let reason: string | null = null;
      if (arg !== null && arg !== undefined) {
        if (!v.isObject(arg)) throw v.invalid('lock', arg, "is not of type 'object', 'null'");
        v.onlyKeys(arg, request.microversion.atLeast('2.73') ? ['locked_reason'] : [], 'lock');
        if (arg.locked_reason !== undefined) reason = v.str(arg.locked_reason, 'locked_reason', 1, 255);
      }
      enforce(ctx, request, 'os_compute_api:os-lock-server:lock', { user_id: s.userId, project_id: s.projectId });
      const owner = s.projectId === projectIdOf(authOf(request));
      await ctx.serverService.transition(callerOf(ctx, request), s.id, {
        action: 'lock', checkLock: false, taskStates: allTasks(),
        change: async () => ({ set: { locked_by: owner ? 'owner' : 'admin', locked_reason: reason }, task: null, bumps: false, finished: true }),
      });
      return reply.code(202).send();
    },

    unlock: async (request, reply, s) => {
      enforce(ctx, request, 'os_compute_api:os-lock-server:unlock', { user_id: s.userId, project_id: s.projectId });
      const owner = s.projectId === projectIdOf(authOf(request));
      if (s.lockedBy === 'admin' && owner && !can(ctx, request, 'os_compute_api:os-lock-server:unlock:unlock_override', { project_id: s.projectId })) {
        throw new Forbidden('This server was locked by an administrator and cannot be unlocked by its owner.');
      }
      await ctx.serverService.transition(callerOf(ctx, request), s.id, {
        action: 'unlock', checkLock: false, taskStates: allTasks(),
        change: async () => ({ set: { locked_by: null, locked_reason: null }, task: null, bumps: false, finished: true }),
      });
      return reply.code(202).send();
    },

    'os-resetState': async (request, reply, s, arg) => {
      if (!v.isObject(arg)) throw v.invalid('os-resetState', arg, "is not of type 'object'");
      v.onlyKeys(arg, ['state'], 'os-resetState');
      if (arg.state !== 'active' && arg.state !== 'error') throw v.invalid('state', arg.state ?? null, "is not one of ['active', 'error']");
      enforce(ctx, request, 'os_compute_api:os-admin-actions:reset_state', { project_id: s.projectId });
      const state = arg.state;
      await ctx.serverService.transition(callerOf(ctx, request), s.id, {
        action: 'resetState', checkLock: false, taskStates: allTasks(),
        // An administrator's declaration: shown until the next action; any pending task is dropped.
        change: async () => ({ set: { reset_state: state, task: null }, task: null, bumps: false, finished: true }),
      });
      return reply.code(202).send();
    },

    addSecurityGroup: async (request, reply, s, arg) => {
      const name = securityGroupName(arg, 'addSecurityGroup');
      enforce(ctx, request, 'os_compute_api:os-security-groups:add', { project_id: s.projectId });
      if (name !== 'default') throw new NotFound(`Security group ${name} not found.`);
      if (s.securityGroups.some((g) => g.name === name)) throw new BadRequest(`Security group ${name} is already associated with the instance ${s.id}`);
      await ctx.servers.update(ctx.db, s.id, { security_groups: JSON.stringify([...s.securityGroups, { name }]) });
      return reply.code(202).send();
    },

    removeSecurityGroup: async (request, reply, s, arg) => {
      const name = securityGroupName(arg, 'removeSecurityGroup');
      enforce(ctx, request, 'os_compute_api:os-security-groups:remove', { project_id: s.projectId });
      if (name !== 'default') throw new NotFound(`Security group ${name} not found.`);
      if (!s.securityGroups.some((g) => g.name === name)) throw new BadRequest(`Security group ${name} not associated with the instance ${s.id}`);
      await ctx.servers.update(ctx.db, s.id, { security_groups: JSON.stringify(s.securityGroups.filter((g) => g.name !== name)) });
      return reply.code(202).send();
    },

    // Deferred delete is off (Nova's reclaim_instance_interval = 0): no server is ever SOFT_DELETED.
    forceDelete: async (request, _reply, s) => {
      enforce(ctx, request, 'os_compute_api:os-deferred-delete:force', { user_id: s.userId, project_id: s.projectId });
      const d = await ctx.serverService.derive(s);
      throw new Conflict(`Cannot 'forceDelete' instance ${s.id} while it is in vm_state ${d.vmState}`);
    },
    restore: async (request, _reply, s) => {
      enforce(ctx, request, 'os_compute_api:os-deferred-delete:restore', { project_id: s.projectId });
      const d = await ctx.serverService.derive(s);
      throw new Conflict(`Cannot 'restore' instance ${s.id} while it is in vm_state ${d.vmState}`);
    },

    // A server's container lives on its host's engine: there is no other host to move it to.
    migrate: async (request, _reply, s) => {
      enforce(ctx, request, 'os_compute_api:os-migrate-server:migrate', { project_id: s.projectId });
      throw new BadRequest(`${NO_VALID_HOST} Flotilla does not move servers between hosts.`);
    },
    'os-migrateLive': async (request, _reply, s) => {
      enforce(ctx, request, 'os_compute_api:os-migrate-server:migrate_live', { project_id: s.projectId });
      throw new BadRequest(`${NO_VALID_HOST} Flotilla does not move servers between hosts.`);
    },

    changePassword: async (request, _reply, s) => {
      enforce(ctx, request, 'os_compute_api:os-admin-password', { user_id: s.userId, project_id: s.projectId });
      throw new NotImplemented('Unable to set password on instance: the container driver does not support it.');
    },
  };

  app.post<{ Params: IdParams }>('/servers/:id/action', async (request, reply) => {
    const body = request.body;
    if (!v.isObject(body) || Object.keys(body).length === 0) throw new BadRequest('Malformed request body');
    const [name] = Object.keys(body) as [string];
    const handler = handlers[name];
    if (!handler) throw new BadRequest(`There is no such action: ${name}`);
    const s = await visibleServer(ctx, request, request.params.id);
    return handler(request, reply, s, body[name]!);
  });
}

/** The security group name of an add/removeSecurityGroup body. Until Neutron, each project has only `default`. */
function securityGroupName(arg: v.Json, action: string): string {
  if (!v.isObject(arg)) throw v.invalid(action, arg, "is not of type 'object'");
  v.onlyKeys(arg, ['name'], action);
  if (arg.name === undefined) throw v.invalid(action, arg, "'name' is a required property");
  return v.name(arg.name, 'name');
}

function allTasks(): ReadonlyArray<TaskState | null> {
  return [null, 'scheduling', 'spawning', 'deleting', 'powering-off', 'powering-on', 'rebooting', 'rebooting_hard', 'pausing', 'unpausing',
    'resize_prep', 'resize_finish', 'resize_reverting', 'resize_confirming', 'rebuilding', 'image_snapshot', 'image_backup', 'image_uploading'];
}
