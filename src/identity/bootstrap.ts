/**
 * First-run (and every-run) bootstrap, like `keystone-manage bootstrap`: the Default domain, the admin
 * project and user, the default roles and their implications, the region and the catalog entries of
 * every service Flotilla runs. Idempotent and in one transaction, so a crash part-way leaves nothing
 * half-made and the next start completes it.
 */
import { newHexId } from '../platform/ids.js';
import type { IdentityContext } from './context.js';
import { DEFAULT_DOMAIN_ID, ROOT_DOMAIN_ID, NULL_DOMAIN_ID, type Interface } from './model.js';

export interface CatalogEntrySpec {
  type: string;
  name: string;
  description?: string;
  /** Endpoint URL for all three interfaces (templates such as %(project_id)s allowed). */
  url: string;
}

/** A user another service logs in as (project `service`, role `service`). */
export interface ServiceUserSpec { name: string; password: string; }

export interface BootstrapOptions {
  adminPassword: string;
  /** Users the other services and agents log in as; their passwords are reset if they differ. */
  serviceUsers?: readonly ServiceUserSpec[];
  /** Reset the admin password if it differs (the operator set FLOTILLA_ADMIN_PASSWORD). */
  resetPassword: boolean;
  region: string;
  services: readonly CatalogEntrySpec[];
}

/** Role names and what each implies (Keystone's defaults since 2024: admin ⇒ manager ⇒ member ⇒ reader). */
export const DEFAULT_ROLES: ReadonlyArray<[string, string[]]> = [
  ['admin', ['member', 'manager']],
  ['manager', ['member']],
  ['member', ['reader']],
  ['reader', []],
  ['service', []],
];

export async function bootstrap(ctx: IdentityContext, opts: BootstrapOptions): Promise<{ adminUserId: string; adminProjectId: string }> {
  // Hash outside the transaction: it is slow and needs no lock.
  const existingAdmin = await ctx.users.findByName('admin', DEFAULT_DOMAIN_ID);
  const needsHash = !existingAdmin || (opts.resetPassword && !(await ctx.hasher.verify(opts.adminPassword, existingAdmin.passwordHash)));
  const hash = needsHash ? await ctx.hasher.hash(opts.adminPassword) : undefined;
  const now = new Date().toISOString();
  const serviceHashes = new Map<string, string | undefined>();
  for (const su of opts.serviceUsers ?? []) {
    const existing = await ctx.users.findByName(su.name, DEFAULT_DOMAIN_ID);
    const ok = existing ? await ctx.hasher.verify(su.password, existing.passwordHash) : false;
    serviceHashes.set(su.name, ok ? undefined : await ctx.hasher.hash(su.password));
  }

  const result = await ctx.db.transaction().execute(async (tx) => {
    const domain = await tx.selectFrom('project').select('id').where('id', '=', DEFAULT_DOMAIN_ID).executeTakeFirst();
    if (!domain) {
      await tx.insertInto('project').values({
        id: DEFAULT_DOMAIN_ID, name: 'Default', description: 'The default domain', enabled: 1,
        domain_id: ROOT_DOMAIN_ID, parent_id: null, is_domain: 1, extra: '{}',
      }).execute();
    }

    const roleIds = new Map<string, string>();
    for (const [name] of DEFAULT_ROLES) {
      const row = await tx.selectFrom('role').select('id').where('name', '=', name).where('domain_id', '=', NULL_DOMAIN_ID).executeTakeFirst();
      const id = row?.id ?? newHexId();
      if (!row) await tx.insertInto('role').values({ id, name, domain_id: NULL_DOMAIN_ID, description: null, options: '{}', extra: '{}' }).execute();
      roleIds.set(name, id);
    }
    for (const [name, implies] of DEFAULT_ROLES) {
      for (const implied of implies) {
        await tx.insertInto('implied_role').values({ prior_role_id: roleIds.get(name)!, implied_role_id: roleIds.get(implied)! })
          .onConflict((oc) => oc.doNothing()).execute();
      }
    }

    let project = await tx.selectFrom('project').select('id').where('domain_id', '=', DEFAULT_DOMAIN_ID).where('name', '=', 'admin').executeTakeFirst();
    if (!project) {
      project = { id: newHexId() };
      await tx.insertInto('project').values({
        id: project.id, name: 'admin', description: 'Bootstrap project for initializing the cloud.', enabled: 1,
        domain_id: DEFAULT_DOMAIN_ID, parent_id: DEFAULT_DOMAIN_ID, is_domain: 0, extra: '{}',
      }).execute();
    }

    let userId = existingAdmin?.id;
    if (!userId) {
      userId = newHexId();
      await tx.insertInto('identity_user').values({
        id: userId, domain_id: DEFAULT_DOMAIN_ID, name: 'admin', enabled: 1, default_project_id: null, extra: '{}', options: '{}',
        created_at: now, last_active_at: null, password_hash: hash!, password_created_at: now, password_expires_at: null,
        failed_auth_count: 0, failed_auth_at: null,
      }).execute();
      await tx.insertInto('password_history').values({ user_id: userId, hash: hash!, created_at: now }).execute();
    } else if (hash) {
      await tx.updateTable('identity_user').set({ password_hash: hash, password_created_at: now, enabled: 1 }).where('id', '=', userId).execute();
      await tx.insertInto('password_history').values({ user_id: userId, hash, created_at: now }).execute();
    }

    const adminRole = roleIds.get('admin')!;
    for (const [type, target] of [['UserProject', project.id], ['UserSystem', 'system']] as const) {
      await tx.insertInto('assignment').values({ type, actor_id: userId, target_id: target, role_id: adminRole, inherited: 0 })
        .onConflict((oc) => oc.doNothing()).execute();
    }

    if (opts.serviceUsers && opts.serviceUsers.length > 0) {
      let serviceProject = await tx.selectFrom('project').select('id').where('domain_id', '=', DEFAULT_DOMAIN_ID).where('name', '=', 'service').executeTakeFirst();
      if (!serviceProject) {
        serviceProject = { id: newHexId() };
        await tx.insertInto('project').values({
          id: serviceProject.id, name: 'service', description: 'Service users of the cloud\'s own services.', enabled: 1,
          domain_id: DEFAULT_DOMAIN_ID, parent_id: DEFAULT_DOMAIN_ID, is_domain: 0, extra: '{}',
        }).execute();
      }
      for (const su of opts.serviceUsers) {
        const row = await tx.selectFrom('identity_user').select('id').where('domain_id', '=', DEFAULT_DOMAIN_ID).where('name', '=', su.name).executeTakeFirst();
        const newHash = serviceHashes.get(su.name);
        let suId = row?.id;
        if (!suId) {
          suId = newHexId();
          await tx.insertInto('identity_user').values({
            id: suId, domain_id: DEFAULT_DOMAIN_ID, name: su.name, enabled: 1, default_project_id: serviceProject.id, extra: '{}', options: '{}',
            created_at: now, last_active_at: null, password_hash: newHash!, password_created_at: now, password_expires_at: null,
            failed_auth_count: 0, failed_auth_at: null,
          }).execute();
        } else if (newHash) {
          await tx.updateTable('identity_user').set({ password_hash: newHash, password_created_at: now, enabled: 1 }).where('id', '=', suId).execute();
        }
        if (newHash) await tx.insertInto('password_history').values({ user_id: suId, hash: newHash, created_at: now }).execute();
        await tx.insertInto('assignment').values({ type: 'UserProject', actor_id: suId, target_id: serviceProject.id, role_id: roleIds.get('service')!, inherited: 0 })
          .onConflict((oc) => oc.doNothing()).execute();
      }
    }

    const region = await tx.selectFrom('region').select('id').where('id', '=', opts.region).executeTakeFirst();
    if (!region) await tx.insertInto('region').values({ id: opts.region, description: '', parent_region_id: null, extra: '{}' }).execute();

    for (const spec of opts.services) {
      const services = await tx.selectFrom('service').selectAll().where('type', '=', spec.type).execute();
      let serviceId = services[0]?.id;
      if (!serviceId) {
        serviceId = newHexId();
        await tx.insertInto('service').values({
          id: serviceId, type: spec.type, enabled: 1, extra: JSON.stringify({ name: spec.name, description: spec.description ?? '' }),
        }).execute();
      }
      for (const iface of ['public', 'internal', 'admin'] as Interface[]) {
        const ep = await tx.selectFrom('endpoint').select(['id', 'url']).where('service_id', '=', serviceId)
          .where('interface', '=', iface).where('region_id', '=', opts.region).executeTakeFirst();
        if (!ep) {
          await tx.insertInto('endpoint').values({ id: newHexId(), service_id: serviceId, region_id: opts.region, interface: iface, url: spec.url, enabled: 1, extra: '{}' }).execute();
        } else if (ep.url !== spec.url) {
          // Ports or host changed since the last start: keep the catalog true.
          await tx.updateTable('endpoint').set({ url: spec.url }).where('id', '=', ep.id).execute();
        }
      }
    }
    return { adminUserId: userId, adminProjectId: project.id };
  });
  ctx.generation.bump();
  return result;
}
