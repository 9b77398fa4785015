/** The network service's migrations, in order. Append; never edit a released one. */
import type { Migration } from 'kysely';
import * as m0001 from './0001_init.js';
import * as m0002 from './0002_routers.js';
import * as m0003 from './0003_auto_topology.js';

export const networkMigrations: Readonly<Record<string, Migration>> = {
  '0001_init': m0001,
  '0002_routers': m0002,
  '0003_auto_topology': m0003,
};
