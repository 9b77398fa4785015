/** The compute service's migrations, in order. Append; never edit a released one. */
import type { Migration } from 'kysely';
import * as m0001 from './0001_init.js';
import * as m0002 from './0002_image_meta.js';
import * as m0003 from './0003_quota_class.js';
import * as m0004 from './0004_reset_state.js';
import * as m0005 from './0005_neutron_ports.js';

export const computeMigrations: Readonly<Record<string, Migration>> = {
  '0001_init': m0001,
  '0002_image_meta': m0002,
  '0003_quota_class': m0003,
  '0004_reset_state': m0004,
  '0005_neutron_ports': m0005,
};
