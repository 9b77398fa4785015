/**
 * OS::Heat::SoftwareConfig (heat/engine/resources/openstack/heat/software_config.py): a piece of
 * configuration (a script, a cloud-config document) that servers take as user_data with
 * user_data_format SOFTWARE_CONFIG, or MultipartMime gathers. Heat keeps configs in its own store and
 * get_resource gives the config's id; here the config lives with the resource, whose id is the config's,
 * and the server and MultipartMime plugins find it among the stack's resources. Configs are immutable:
 * any change makes a new one.
 */
import type { ResourcePlugin } from '../types.js';

export const softwareConfigPlugin: ResourcePlugin = {
  type: 'OS::Heat::SoftwareConfig',
  description: 'A resource for describing and storing software configuration.',
  since: '2014.1',
  properties: {
    group: { type: 'string', description: 'Namespace to group this software config by when delivered to a server. This may imply what configuration tool is going to perform the configuration.', default: 'Heat::Ungrouped' },
    config: { type: 'string', description: 'Configuration script or manifest which specifies what actual configuration is performed.' },
    options: { type: 'map', description: 'Map containing options specific to the configuration management tool used by this resource.' },
    inputs: { type: 'list', description: 'Schema representing the inputs that this software config is expecting.' },
    outputs: { type: 'list', description: 'Schema representing the outputs that this software config will produce.' },
  },
  attributes: {
    config: { description: 'The config value of the software config.', type: 'string' },
  },
  async create(ctx, props) {
    return {
      physicalId: ctx.resource.id,
      attributes: { config: typeof props.config === 'string' ? props.config : '' },
      data: { group: props.group, options: props.options ?? {}, inputs: props.inputs ?? [], outputs: props.outputs ?? [] },
    };
  },
  async delete() { /* kept with the resource row */ },
};
