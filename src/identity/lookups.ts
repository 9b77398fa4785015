/**
 * Cached reads of the few entities every token request resolves (its user, project and domain), for the
 * hot path of POST /v3/auth/tokens. Like the token service's cache they are invalidated by the identity
 * write generation, so they are exactly as fresh as the database.
 */
import { GenerationCache, type Generation } from './cache.js';
import type { Project, User } from './model.js';
import type { ResourceStore } from './resource/store.js';
import type { UserStore } from './users/store.js';

export class Lookups {
  readonly #users: GenerationCache<User | undefined>;
  readonly #projects: GenerationCache<Project | undefined>;

  constructor(generation: Generation, private readonly users: UserStore, private readonly resources: ResourceStore) {
    this.#users = new GenerationCache(generation);
    this.#projects = new GenerationCache(generation);
  }

  user(id: string): Promise<User | undefined> {
    return this.#users.get(`id:${id}`, () => this.users.find(id));
  }

  userByName(name: string, domainId: string): Promise<User | undefined> {
    return this.#users.get(`name:${domainId}:${name}`, () => this.users.findByName(name, domainId));
  }

  /** A project or domain by id. */
  project(id: string): Promise<Project | undefined> {
    return this.#projects.get(`id:${id}`, () => this.resources.find(id));
  }

  projectByName(name: string, domainId: string): Promise<Project | undefined> {
    return this.#projects.get(`name:${domainId}:${name}`, () => this.resources.findProjectByName(name, domainId));
  }

  domainByName(name: string): Promise<Project | undefined> {
    return this.#projects.get(`domain:${name}`, () => this.resources.findDomainByName(name));
  }
}
