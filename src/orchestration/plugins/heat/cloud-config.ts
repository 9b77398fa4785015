/**
 * OS::Heat::CloudConfig (heat/engine/resources/openstack/heat/cloud_config.py): a cloud-init cloud-config
 * document from a map, `#cloud-config` followed by the map as block YAML (Heat's yaml.safe_dump with
 * default_flow_style False), usable as a server's user_data (SOFTWARE_CONFIG) or a MultipartMime part.
 */
import { stringify } from 'yaml';
import type { ResourcePlugin } from '../types.js';

/** The document Heat renders for a cloud_config map. */
export function cloudConfigText(map: unknown): string {
  return `#cloud-config\n${stringify(map ?? {}, { lineWidth: 0 })}`;
}

export const cloudConfigPlugin: ResourcePlugin = {
  type: 'OS::Heat::CloudConfig',
  description: 'A configuration resource for representing cloud-init cloud-config.',
  since: '2014.1',
  properties: {
    cloud_config: { type: 'map', description: 'Map representing the cloud-config data structure which will be formatted as YAML.' },
  },
  attributes: {
    config: { description: 'The config value of the software config.', type: 'string' },
  },
  async create(ctx, props) {
    return { physicalId: ctx.resource.id, attributes: { config: cloudConfigText(props.cloud_config) }, data: { group: 'Heat::Ungrouped' } };
  },
  async delete() { /* kept with the resource row */ },
};
