/**
 * Who may see and do what to an image: Glance's two layers in one place. First visibility (its database
 * layer: admins see everything; others see public and community images, their project's, and shared
 * images their project is a member of), then the policy rules. An image the caller cannot see is a 404,
 * never a 403, so other projects' private images do not betray their existence.
 */
import type { AuthContext } from '../platform/auth/context.js';
import { policyCredentials, projectIdOf } from '../platform/auth/context.js';
import type { PolicyCredentials, PolicyEnforcer, PolicyTarget } from '../platform/policy/enforcer.js';
import { Forbidden, NotFound } from '../platform/errors.js';
import type { Image, ImageId, ImageVisibility } from './model.js';
import type { ImageStore } from './store.js';
import type { ImageAction } from './policy-rules.js';
import type { Viewer } from './query.js';

/** The caller, as the image service's rules see it. */
export interface Caller {
  readonly auth: AuthContext;
  readonly creds: PolicyCredentials;
  /** The project the token is scoped to, or null. */
  readonly project: string | null;
  readonly admin: boolean;
  /** Flotilla's own services and agents (role `service`). */
  readonly service: boolean;
}

export class ImageAccess {
  constructor(private readonly enforcer: PolicyEnforcer, private readonly store: ImageStore) {}

  caller(auth: AuthContext): Caller {
    const creds = policyCredentials(auth);
    return {
      auth, creds,
      project: projectIdOf(auth) ?? null,
      admin: this.enforcer.check('context_is_admin', creds),
      service: creds.roles.includes('service'),
    };
  }

  viewer(caller: Caller): Viewer {
    return { admin: caller.admin, project: caller.project };
  }

  /** The policy target of an existing image, as Glance's ImageTarget builds it. */
  target(caller: Caller, image: Image): PolicyTarget {
    return {
      ...image.properties,
      id: image.id,
      name: image.name,
      status: image.status,
      project_id: image.owner,
      owner: image.owner,
      visibility: image.visibility,
      protected: image.protected,
      // Seen by a project other than its owner, a shared image was found through membership.
      member_id: image.visibility === 'shared' && caller.project !== image.owner ? caller.project : null,
    };
  }

  /** Glance's database-layer visibility, plus the service role's reach. */
  async #visible(caller: Caller, image: Image): Promise<boolean> {
    if (caller.admin || caller.service || image.owner === null) return true;
    if (image.visibility === 'public' || image.visibility === 'community') return true;
    if (caller.project === null) return false;
    if (caller.project === image.owner) return true;
    return image.visibility === 'shared' && (await this.store.member(image.id, caller.project)) !== undefined;
  }

  /** True if the caller may see the image (visibility and the get_image rule). */
  async canSee(caller: Caller, image: Image): Promise<boolean> {
    return (await this.#visible(caller, image)) && this.enforcer.check('get_image', caller.creds, this.target(caller, image));
  }

  /** The image if the caller may see it; NotFound otherwise. */
  async load(caller: Caller, id: ImageId): Promise<Image> {
    const image = await this.store.find(id);
    if (!image || !(await this.canSee(caller, image))) throw new NotFound(`No image found with ID ${id}`);
    return image;
  }

  /** True if `action` is allowed against an arbitrary target (metadefs, lists). */
  check(caller: Caller, action: ImageAction, target: PolicyTarget): boolean {
    return this.enforcer.check(action, caller.creds, target);
  }

  /** True if `action` is allowed on a visible image. */
  allows(caller: Caller, action: ImageAction, image: Image): boolean {
    return this.enforcer.check(action, caller.creds, this.target(caller, image));
  }

  /** Throws Forbidden unless `action` is allowed on the (visible) image. */
  authorize(caller: Caller, action: ImageAction, image: Image, message?: string): void {
    if (!this.allows(caller, action, image)) throw new Forbidden(message ?? `You are not authorized to perform the requested action: ${action}.`);
  }

  /** Checks a proposed image (create): add_image against its owner, then its visibility's own rule. */
  authorizeCreate(caller: Caller, owner: string | null, visibility: ImageVisibility): void {
    const target = { project_id: owner, owner, visibility };
    if (!this.enforcer.check('add_image', caller.creds, target)) {
      throw new Forbidden(owner !== caller.project ? `You are not permitted to create images owned by '${owner}'.` : 'You are not authorized to perform the requested action: add_image.');
    }
    this.authorizeVisibility(caller, visibility, target);
  }

  /** public needs publicize_image, community communitize_image (Glance's _enforce_image_visibility). */
  authorizeVisibility(caller: Caller, visibility: unknown, target: PolicyTarget): void {
    const action = visibility === 'public' ? 'publicize_image' : visibility === 'community' ? 'communitize_image' : undefined;
    if (action && !this.enforcer.check(action, caller.creds, target)) {
      throw new Forbidden(`You are not authorized to perform the requested action: ${action}.`);
    }
  }

  /** Lists need get_images on the caller's own project. */
  authorizeList(caller: Caller): void {
    if (!this.enforcer.check('get_images', caller.creds, { project_id: caller.project })) {
      throw new Forbidden('You are not authorized to perform the requested action: get_images.');
    }
  }
}
