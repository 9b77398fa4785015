/** The identity service's migrations, in order. Append; never edit a released one. */
import type { Migration } from 'kysely';
import * as m0001 from './0001_init.js';
import * as m0002 from './0002_policy_association.js';
import * as m0003 from './0003_limit_unique.js';
import * as m0004 from './0004_lockout.js';

export const identityMigrations: Readonly<Record<string, Migration>> = {
  '0001_init': m0001,
  '0002_policy_association': m0002,
  '0003_limit_unique': m0003,
  '0004_lockout': m0004,
};
