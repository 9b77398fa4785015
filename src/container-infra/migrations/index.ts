/** The container-infra service's migrations, in order. Append; never edit a released one. */
import type { Migration } from 'kysely';
import * as m0001 from './0001_init.js';

export const containerInfraMigrations: Readonly<Record<string, Migration>> = {
  '0001_init': m0001,
};
