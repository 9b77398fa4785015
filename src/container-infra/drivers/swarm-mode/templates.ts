/**
 * The HOT templates of a swarm-mode cluster (Magnum's swarm_fedora_atomic_v2 in shape: swarmcluster.yaml
 * with swarmmaster.yaml and swarmnode.yaml), kept as text here so the bundle carries them. The driver
 * sends `cluster.yaml` as the stack's template and the rest as its `files`.
 *
 * cluster.yaml: the private network, subnet and router (unless the template names a fixed network or
 * subnet), one security group, the first master (port, optional floating IP, server, wait condition its
 * boot script signals with the swarm's join tokens), extra masters and workers as ResourceGroups of
 * swarmnode.yaml with `removal_policies` from `masters_to_remove`/`nodes_to_remove` (server ids or member
 * indexes), and the outputs the conductor reads. Extra masters take the manager token from the master's
 * wait condition, so they boot after it; workers boot alongside the master and fetch the worker token from
 * it at run time (fragments.ts), which takes the worker boot off the create's critical path.
 *
 * swarmnode.yaml: one node (port, optional floating IP, server, wait condition it signals once joined).
 * Its `OS::stack_id` output is the server's id, so the group's refs, and thus `nodes_to_remove`, are
 * server ids, as in Magnum.
 */

import { ENGINE_START_METADATA } from '../../../base-images/docker-node.js';

export const CLUSTER_TEMPLATE_NAME = 'cluster.yaml';
export const NODE_TEMPLATE_NAME = 'swarmnode.yaml';
export const MASTER_SCRIPT_NAME = 'fragments/configure-swarm-master.sh';
export const NODE_SCRIPT_NAME = 'fragments/configure-swarm-node.sh';

export const CLUSTER_YAML = `heat_template_version: queens
description: >
  A Docker Swarm-mode cluster (Flotilla container-infra, driver swarm_mode_debian_v1): a private network
  with a router to the external network, one master that initialises the swarm, and workers that join it.

parameters:
  cluster_uuid:
    type: string
    description: the Magnum cluster this stack is
  external_network:
    type: string
    description: network (name or id) the router's gateway and the floating IPs come from
  fixed_network:
    type: string
    default: ""
    description: an existing network for the nodes; empty makes one
  fixed_subnet:
    type: string
    default: ""
    description: an existing subnet for the nodes; empty makes one
  fixed_subnet_cidr:
    type: string
    default: 10.0.0.0/24
    description: the CIDR of the subnet this stack makes
  dns_nameserver:
    type: string
    default: ""
    description: a DNS server for the subnet this stack makes; empty for none
  ssh_key_name:
    type: string
    default: ""
    description: keypair for root on every node; empty for none
  master_image:
    type: string
  master_flavor:
    type: string
  node_image:
    type: string
  node_flavor:
    type: string
  number_of_secondary_masters:
    type: number
    default: 0
    description: masters beyond the first, which join as managers
  number_of_nodes:
    type: number
    default: 1
    description: workers
  masters_to_remove:
    type: comma_delimited_list
    default: []
    description: extra masters (server ids or member indexes) to remove first when their count goes down
  nodes_to_remove:
    type: comma_delimited_list
    default: []
    description: workers (server ids or member indexes) to remove first when their count goes down
  floating_ip_enabled:
    type: boolean
    default: true
  tls_disabled:
    type: boolean
    default: false
    description: true serves the master's Docker API on 2375 without TLS
  ca_cert:
    type: string
    default: ""
    description: the cluster CA (PEM) the master's engine verifies clients against
  signing_secret:
    type: string
    default: ""
    hidden: true
    description: what the master shows the container-infra API to have its certificate signed
  insecure_registries:
    type: comma_delimited_list
    default: []
    description: registries (host:port) the engines use over plain HTTP
  wait_timeout:
    type: number
    default: 3600
    description: seconds a node may take to boot and join

conditions:
  create_network: {equals: [{get_param: fixed_network}, ""]}
  create_subnet: {equals: [{get_param: fixed_subnet}, ""]}
  floating_ips: {equals: [{get_param: floating_ip_enabled}, true]}
  tls: {equals: [{get_param: tls_disabled}, false]}
  has_key: {not: {equals: [{get_param: ssh_key_name}, ""]}}
  has_dns: {not: {equals: [{get_param: dns_nameserver}, ""]}}

resources:
  network:
    type: OS::Neutron::Net
    condition: create_network
    properties:
      name: {get_param: "OS::stack_name"}

  subnet:
    type: OS::Neutron::Subnet
    condition: create_subnet
    properties:
      name: {get_param: "OS::stack_name"}
      network: {if: [create_network, {get_resource: network}, {get_param: fixed_network}]}
      cidr: {get_param: fixed_subnet_cidr}
      dns_nameservers: {if: [has_dns, [{get_param: dns_nameserver}], []]}

  router:
    type: OS::Neutron::Router
    condition: create_subnet
    properties:
      name: {get_param: "OS::stack_name"}
      external_gateway_info:
        network: {get_param: external_network}

  router_interface:
    type: OS::Neutron::RouterInterface
    condition: create_subnet
    properties:
      router: {get_resource: router}
      subnet: {get_resource: subnet}

  secgroup:
    type: OS::Neutron::SecurityGroup
    properties:
      name: {list_join: ["-", [{get_param: "OS::stack_name"}, "nodes"]]}
      description: the cluster's nodes; everything between them
      # Only 22 and the Docker API are open to the world: the other ports (swarm's 2377/7946/4789, the
      # master's worker join token on 2378) answer the cluster's members alone.
      rules:
        - {protocol: icmp, remote_ip_prefix: 0.0.0.0/0}
        - {protocol: tcp, port_range_min: 22, port_range_max: 22, remote_ip_prefix: 0.0.0.0/0}
        - protocol: tcp
          port_range_min: {if: [tls, 2376, 2375]}
          port_range_max: {if: [tls, 2376, 2375]}
          remote_ip_prefix: 0.0.0.0/0
        - {remote_mode: remote_group_id}

  master_port:
    type: OS::Neutron::Port
    properties:
      name: {list_join: ["-", [{get_param: "OS::stack_name"}, "master", "0"]]}
      network: {if: [create_network, {get_resource: network}, {get_param: fixed_network}]}
      fixed_ips:
        - subnet: {if: [create_subnet, {get_resource: subnet}, {get_param: fixed_subnet}]}
      security_groups: [{get_resource: secgroup}]

  master_floating_ip:
    type: OS::Neutron::FloatingIP
    condition: floating_ips
    properties:
      floating_network: {get_param: external_network}
      port_id: {get_resource: master_port}

  master_wait_handle:
    type: OS::Heat::WaitConditionHandle

  master_wait:
    type: OS::Heat::WaitCondition
    depends_on: [master]
    properties:
      handle: {get_resource: master_wait_handle}
      timeout: {get_param: wait_timeout}

  master:
    type: OS::Nova::Server
    properties:
      name: {list_join: ["-", [{get_param: "OS::stack_name"}, "master", "0"]]}
      image: {get_param: master_image}
      flavor: {get_param: master_flavor}
      key_name: {if: [has_key, {get_param: ssh_key_name}, null]}
      networks: [{port: {get_resource: master_port}}]
      metadata: {${ENGINE_START_METADATA.key}: ${ENGINE_START_METADATA.value}}
      user_data_format: RAW
      user_data:
        str_replace:
          template: {get_file: ${MASTER_SCRIPT_NAME}}
          params:
            "@@CLUSTER_UUID@@": {get_param: cluster_uuid}
            "@@FIXED_IP@@": {get_attr: [master_port, fixed_ips, 0, ip_address]}
            "@@FLOATING_IP@@": {if: [floating_ips, {get_attr: [master_floating_ip, floating_ip_address]}, ""]}
            "@@TLS@@": {if: [tls, "on", "off"]}
            "@@CA_CERT@@": {get_param: ca_cert}
            "@@SIGNING_SECRET@@": {get_param: signing_secret}
            "@@INSECURE_REGISTRIES@@": {list_join: [",", {get_param: insecure_registries}]}
            "@@WC_NOTIFY@@": {get_attr: [master_wait_handle, curl_cli]}
            "@@WAIT_TIMEOUT@@": {get_param: wait_timeout}

  swarm_secondary_masters:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: number_of_secondary_masters}
      removal_policies: [{resource_list: {get_param: masters_to_remove}}]
      resource_def:
        type: ${NODE_TEMPLATE_NAME}
        properties:
          name: {list_join: ["-", [{get_param: "OS::stack_name"}, "master", "s%index%"]]}
          role: manager
          cluster_uuid: {get_param: cluster_uuid}
          image: {get_param: master_image}
          flavor: {get_param: master_flavor}
          ssh_key_name: {get_param: ssh_key_name}
          network: {if: [create_network, {get_resource: network}, {get_param: fixed_network}]}
          subnet: {if: [create_subnet, {get_resource: subnet}, {get_param: fixed_subnet}]}
          secgroup: {get_resource: secgroup}
          floating_ip_enabled: {get_param: floating_ip_enabled}
          external_network: {get_param: external_network}
          manager_address: {get_attr: [master_port, fixed_ips, 0, ip_address]}
          swarm_join: {get_attr: [master_wait, data]}
          insecure_registries: {list_join: [",", {get_param: insecure_registries}]}
          wait_timeout: {get_param: wait_timeout}

  # Workers boot alongside the master: they need the network, the routing their floating IPs ride on and
  # the master's port (its fixed address), not the master itself; each fetches the worker join token from
  # the master at run time (fragments.ts). The depends_on names a resource that may be left out by its
  # condition (a fixed subnet), which then adds no edge.
  swarm_nodes:
    type: OS::Heat::ResourceGroup
    depends_on: [router_interface]
    properties:
      count: {get_param: number_of_nodes}
      removal_policies: [{resource_list: {get_param: nodes_to_remove}}]
      resource_def:
        type: ${NODE_TEMPLATE_NAME}
        properties:
          name: {list_join: ["-", [{get_param: "OS::stack_name"}, "node", "%index%"]]}
          role: worker
          cluster_uuid: {get_param: cluster_uuid}
          image: {get_param: node_image}
          flavor: {get_param: node_flavor}
          ssh_key_name: {get_param: ssh_key_name}
          network: {if: [create_network, {get_resource: network}, {get_param: fixed_network}]}
          subnet: {if: [create_subnet, {get_resource: subnet}, {get_param: fixed_subnet}]}
          secgroup: {get_resource: secgroup}
          floating_ip_enabled: {get_param: floating_ip_enabled}
          external_network: {get_param: external_network}
          manager_address: {get_attr: [master_port, fixed_ips, 0, ip_address]}
          insecure_registries: {list_join: [",", {get_param: insecure_registries}]}
          wait_timeout: {get_param: wait_timeout}

outputs:
  api_address:
    description: the Docker API of the swarm (the first master's engine)
    value:
      str_replace:
        template: tcp://HOST:PORT
        params:
          HOST: {if: [floating_ips, {get_attr: [master_floating_ip, floating_ip_address]}, {get_attr: [master_port, fixed_ips, 0, ip_address]}]}
          PORT: {if: [tls, "2376", "2375"]}
  swarm_masters:
    description: the masters' addresses (floating IPs, or fixed ones without)
    value:
      list_concat:
        - [{if: [floating_ips, {get_attr: [master_floating_ip, floating_ip_address]}, {get_attr: [master_port, fixed_ips, 0, ip_address]}]}]
        - {get_attr: [swarm_secondary_masters, address]}
  swarm_masters_private:
    value:
      list_concat:
        - [{get_attr: [master_port, fixed_ips, 0, ip_address]}]
        - {get_attr: [swarm_secondary_masters, private_address]}
  swarm_nodes:
    description: the workers' addresses (floating IPs, or fixed ones without)
    value: {get_attr: [swarm_nodes, address]}
  swarm_nodes_private:
    value: {get_attr: [swarm_nodes, private_address]}
  master_ids:
    value:
      list_concat:
        - [{get_resource: master}]
        - {get_attr: [swarm_secondary_masters, server_id]}
  node_ids:
    value: {get_attr: [swarm_nodes, server_id]}
  master_names:
    value:
      list_concat:
        - [{get_attr: [master, name]}]
        - {get_attr: [swarm_secondary_masters, name]}
  node_names:
    value: {get_attr: [swarm_nodes, name]}
  node_members:
    description: worker group member index → server id (what nodes_to_remove may name)
    value: {get_attr: [swarm_nodes, refs_map]}
  master_members:
    value: {get_attr: [swarm_secondary_masters, refs_map]}
`;

export const NODE_YAML = `heat_template_version: queens
description: One node of a swarm-mode cluster (a worker, or an extra master joining as a manager).

parameters:
  name:
    type: string
  role:
    type: string
    constraints:
      - allowed_values: [worker, manager]
  cluster_uuid:
    type: string
  image:
    type: string
  flavor:
    type: string
  ssh_key_name:
    type: string
    default: ""
  network:
    type: string
  subnet:
    type: string
  secgroup:
    type: string
  floating_ip_enabled:
    type: boolean
    default: true
  external_network:
    type: string
  manager_address:
    type: string
  swarm_join:
    type: string
    default: ""
    description: the first master's wait condition data (join tokens); empty makes a worker fetch its token from the master
  insecure_registries:
    type: string
    default: ""
  wait_timeout:
    type: number
    default: 3600

conditions:
  floating_ips: {equals: [{get_param: floating_ip_enabled}, true]}
  has_key: {not: {equals: [{get_param: ssh_key_name}, ""]}}

resources:
  port:
    type: OS::Neutron::Port
    properties:
      name: {get_param: name}
      network: {get_param: network}
      fixed_ips:
        - subnet: {get_param: subnet}
      security_groups: [{get_param: secgroup}]

  floating_ip:
    type: OS::Neutron::FloatingIP
    condition: floating_ips
    properties:
      floating_network: {get_param: external_network}
      port_id: {get_resource: port}

  wait_handle:
    type: OS::Heat::WaitConditionHandle

  wait:
    type: OS::Heat::WaitCondition
    depends_on: [server]
    properties:
      handle: {get_resource: wait_handle}
      timeout: {get_param: wait_timeout}

  server:
    type: OS::Nova::Server
    properties:
      name: {get_param: name}
      image: {get_param: image}
      flavor: {get_param: flavor}
      key_name: {if: [has_key, {get_param: ssh_key_name}, null]}
      networks: [{port: {get_resource: port}}]
      metadata: {${ENGINE_START_METADATA.key}: ${ENGINE_START_METADATA.value}}
      user_data_format: RAW
      user_data:
        str_replace:
          template: {get_file: ${NODE_SCRIPT_NAME}}
          params:
            "@@CLUSTER_UUID@@": {get_param: cluster_uuid}
            "@@ROLE@@": {get_param: role}
            "@@FIXED_IP@@": {get_attr: [port, fixed_ips, 0, ip_address]}
            "@@MANAGER_ADDRESS@@": {get_param: manager_address}
            "@@SWARM_JOIN@@": {get_param: swarm_join}
            "@@INSECURE_REGISTRIES@@": {get_param: insecure_registries}
            "@@WC_NOTIFY@@": {get_attr: [wait_handle, curl_cli]}
            "@@WAIT_TIMEOUT@@": {get_param: wait_timeout}

outputs:
  OS::stack_id:
    value: {get_resource: server}
  server_id:
    value: {get_resource: server}
  name:
    value: {get_attr: [server, name]}
  address:
    value: {if: [floating_ips, {get_attr: [floating_ip, floating_ip_address]}, {get_attr: [port, fixed_ips, 0, ip_address]}]}
  private_address:
    value: {get_attr: [port, fixed_ips, 0, ip_address]}
`;
