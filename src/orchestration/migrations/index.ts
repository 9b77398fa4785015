/** The orchestration service's migrations, in order. Append; never edit a released one. */
import type { Migration } from 'kysely';
import * as m0001 from './0001_init.js';
import * as m0002 from './0002_software.js';

export const orchestrationMigrations: Readonly<Record<string, Migration>> = {
  '0001_init': m0001,
  '0002_software': m0002,
};
