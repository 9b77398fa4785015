/**
 * tempest.conf for Flotilla. Every setting states a fact about the cloud under test; a wrong "true"
 * makes Tempest test a feature we lack, a wrong "false" silently skips one we have, so each value
 * below says why it holds.
 */

/** What Tempest needs to know about the running cloud. */
export interface TempestTarget {
  /** Keystone v3 root, e.g. http://127.0.0.1:35357/v3. Must be on 127.0.0.1. */
  identityUrl: string;
  adminPassword: string;
  /** The Tempest workspace; logs and locks live under it. */
  workspace: string;
  /**
   * The cloud's [security_compliance] settings, when it was started with them on (they are off by
   * default, as in Keystone); Tempest then tests lockout and password history with these values.
   */
  securityCompliance?: { lockoutFailureAttempts: number; lockoutDuration: number; uniqueLastPasswordCount: number };
  /**
   * What servers boot from, when the cloud runs a compute host (see conformance/compute.ts); without it
   * Tempest is told there is no Nova, since no server could ever become ACTIVE.
   */
  compute?: ComputeTarget;
  /**
   * The network service as it runs (see conformance/network.ts); without it Tempest is told there is no
   * Neutron and servers take compute's interim addresses.
   */
  network?: NetworkTarget;
  /**
   * The non-admin account heat_tempest_plugin's API tests run as (see conformance/orchestration.ts);
   * without it Tempest is told there is no Heat.
   */
  orchestration?: OrchestrationTarget;
  /**
   * What magnum_tempest_plugin's templates name (see conformance/container-infra.ts); without it Tempest
   * is told there is no Magnum.
   */
  containerInfra?: ContainerInfraTarget;
}

/** The image, flavor and networks magnum_tempest_plugin's cluster templates are made of ([magnum] options). */
export interface ContainerInfraTarget {
  /** A public image with os_distro (Magnum takes cluster_distro from it). */
  imageId: string;
  flavorId: string;
  /** The external network (`public`). */
  nicId: string;
  coe: string;
}

/**
 * The account heat_tempest_plugin acts as. Its API tests (gabbi files) do not use Tempest's dynamic
 * credentials: they log in once with [heat_plugin] username/password/project_name.
 */
export interface OrchestrationTarget {
  username: string;
  password: string;
  projectName: string;
}

/** What Tempest's network tests need to know about Flotilla's Neutron. */
export interface NetworkTarget {
  /** The aliases /v2.0/extensions lists, read from the running cloud (so they are true by construction). */
  extensions: string[];
  /** The external network (`public`), once the cloud creates one at bootstrap. */
  publicNetworkId?: string;
}

/** The images and flavors Tempest's servers boot with. */
export interface ComputeTarget {
  /** Glance image ids; servers boot from the first, rebuilds go to the second. */
  imageRef: string;
  imageRefAlt: string;
  /** Flavor ids; resizes go from the first to the second, which must be bigger. */
  flavorRef: string;
  flavorRefAlt: string;
}

type Section = Record<string, string | number | boolean>;

/** oslo.log's default_log_levels (oslo_log/_options.py), which setting the option replaces whole. */
const OSLO_LOG_LEVELS = [
  'amqp=WARN', 'amqplib=WARN', 'boto=WARN', 'qpid=WARN', 'sqlalchemy=WARN', 'suds=INFO', 'oslo.messaging=INFO',
  'oslo_messaging=INFO', 'iso8601=WARN', 'requests.packages.urllib3.connectionpool=WARN', 'urllib3.connectionpool=WARN',
  'websocket=WARN', 'requests.packages.urllib3.util.retry=WARN', 'urllib3.util.retry=WARN', 'keystonemiddleware=WARN',
  'routes.middleware=WARN', 'stevedore=WARN', 'taskflow=WARN', 'keystoneauth=WARN', 'oslo.cache=INFO',
  'oslo_policy=INFO', 'dogpile.core.dogpile=INFO',
];

/**
 * Tempest's service switches: on only for what the catalog lists (see src/main.ts) and can serve. Nova
 * is on when the cloud runs a compute host (the compute API without a host could never boot a server).
 */
function services(target: TempestTarget): Section {
  return {
    // glance: the image service (Glance v2, src/image).
    nova: target.compute !== undefined, glance: true,
    // neutron: the network service (src/network), which every server's ports come from. No block or
    // object storage, no dashboard.
    neutron: target.network !== undefined, cinder: false, swift: false, horizon: false,
    // heat: the orchestration service (src/orchestration), for the suite that tests it (the heat plugin
    // reads this switch in its API fixture). Options that plugins for our future services register;
    // harmless when those plugins are absent.
    heat: target.orchestration !== undefined, magnum: target.containerInfra !== undefined, murano: false, placement: false,
  };
}

/** [compute] and [compute-feature-enabled]: what Flotilla's Nova v2.1 (src/compute) and its agent do. */
function computeSections(c: ComputeTarget): Record<string, Section> {
  return {
    compute: {
      catalog_type: 'compute',
      endpoint_type: 'publicURL',
      region: 'RegionOne',
      image_ref: c.imageRef,
      image_ref_alt: c.imageRefAlt,
      flavor_ref: c.flavorRef,
      flavor_ref_alt: c.flavorRefAlt,
      // The range src/compute/microversion.ts accepts; tests for later microversions skip.
      min_microversion: '2.1',
      max_microversion: '2.79',
      // A busybox container is ACTIVE in about a second; a loaded machine running two workers and other
      // engineers' tests may take far longer, yet never minutes.
      build_interval: 1,
      build_timeout: 120,
      // One compute host (the all-in-one's own); migration tests need two.
      min_compute_nodes: 1,
      // fixed_network_name stays unset: each test class's project has one network of its own (dynamic
      // credentials with isolated networks, below), which a boot without `networks` takes, as in Nova.
    },
    'compute-feature-enabled': {
      // The API's feature switches, each for an API Flotilla serves (true) or answers as unsupported (false).
      // Containers have no disk partition to grow: OS-DCF:diskConfig is always MANUAL.
      disk_config: false,
      // changePassword answers 501: no guest agent sets passwords inside a container.
      change_password: false,
      // os-getConsoleOutput returns the tail of the container's log (the init script's output).
      console_output: true,
      // resize changes the container's cgroup limits live (confirm keeps, revert restores).
      resize: true,
      // pause/unpause freeze and thaw the container's cgroup.
      pause: true,
      // No shelve, suspend, rescue, migrations or remote consoles (VNC, SPICE, RDP, serial) for containers.
      shelve: false,
      shelve_migrate: false,
      suspend: false,
      rescue: false,
      stable_rescue: false,
      cold_migration: false,
      live_migration: false,
      live_migrate_back_and_forth: false,
      block_migration_for_live_migration: false,
      vnc_console: false,
      spice_console: false,
      rdp_console: false,
      serial_console: false,
      // No metadata service at 169.254.169.254; the agent serves the same documents as a config drive
      // (src/agent/config-drive.ts: openstack/latest/meta_data.json, user_data, network_data.json).
      metadata_service: false,
      config_drive: true,
      // adminPass is generated and returned on create and rebuild, as Nova does.
      enable_instance_password: true,
      // Attaching and detaching interfaces on a running server is not implemented.
      interface_attach: false,
      // createImage saves the container as a docker image to Glance; servers boot from snapshots.
      snapshot: true,
      // Personality files were removed in microversion 2.57; Flotilla never stored them.
      personality: false,
      // No Cinder: nothing to attach, swap or multi-attach.
      attach_encrypted_volume: false,
      swap_volume: false,
      volume_multiattach: false,
      volume_backed_live_migration: false,
      // Device tags need a virtual bus; containers have none.
      ide_bus: false,
      // Nova's names for what src/compute/scheduler.ts filters on: zone, host up and enabled, server-group
      // (anti-)affinity (RAM, vCPU and disk fit are placement's job in Nova, so have no filter name). No
      // SameHostFilter or DifferentHostFilter: the same_host/different_host hints are not honoured.
      scheduler_enabled_filters: 'AvailabilityZoneFilter,ComputeFilter,ServerGroupAntiAffinityFilter,ServerGroupAffinityFilter',
      xenapi_apis: false,
      nova_cert: false,
    },
  };
}

/** [network] and [network-feature-enabled]: what Flotilla's Neutron v2.0 (src/network) serves. */
function networkSections(n: NetworkTarget): Record<string, Section> {
  return {
    network: {
      catalog_type: 'network',
      endpoint_type: 'publicURL',
      region: 'RegionOne',
      // Tempest's own tenant networks come from here; any private range works, tenants may overlap.
      project_network_cidr: '10.100.0.0/16',
      project_network_mask_bits: 28,
      // Servers are reached through floating IPs, never their fixed addresses.
      project_networks_reachable: false,
      ...(n.publicNetworkId ? { public_network_id: n.publicNetworkId, floating_network_name: 'public' } : {}),
      // IPv6 subnets are not implemented (IPv4 only); shared networks are.
      shared_physical_network: false,
      build_timeout: 60,
      build_interval: 1,
    },
    'network-feature-enabled': {
      ipv6: false,
      ipv6_subnet_attributes: false,
      // Exactly what /v2.0/extensions lists: Tempest's feature checks see the API's own truth.
      api_extensions: n.extensions.join(','),
      port_security: n.extensions.includes('port-security'),
      port_admin_state_change: true,
      floating_ips: n.extensions.includes('router'),
    },
  };
}

/**
 * [heat_plugin] and [heat_features_enabled]: what heat_tempest_plugin (heat_tempest_plugin/config.py)
 * needs for its API tests, which are gabbi files (tests/api/gabbits) driving /v1/{project} directly.
 */
function orchestrationSections(identityUrl: string, o: OrchestrationTarget): Record<string, Section> {
  return {
    heat_plugin: {
      // Keystone v3, the same root Tempest uses; the plugin reads the version from the URL if unset.
      auth_url: identityUrl,
      auth_version: '3',
      // The tests' own member account; admin is only for the plugin's functional tests (not run here).
      username: o.username,
      password: o.password,
      project_name: o.projectName,
      user_domain_name: 'Default',
      project_domain_name: 'Default',
      admin_username: 'admin',
      admin_project_name: 'admin',
      region: 'RegionOne',
      endpoint_type: 'public',
      catalog_type: 'orchestration',
      // The API tests create no servers; these name what the all-in-one would have, should a scenario
      // test ever be selected: busybox and m1.tiny, the project's network from get-me-a-network.
      image_ref: 'busybox',
      minimal_image_ref: 'busybox',
      instance_type: 'm1.tiny',
      minimal_instance_type: 'm1.tiny',
      floating_network_name: 'public',
      // Stacks of TestResource settle in milliseconds; a loaded machine still never takes minutes.
      build_interval: 1,
      build_timeout: 120,
      // The engine is convergence-like (each resource stored before each step), as Heat's default.
      convergence_engine_enabled: true,
      // Only the API tests are selected; the functional and scenario tests need Nova, Cinder, Swift …
      skip_functional_tests: true,
      skip_scenario_tests: true,
    },
    heat_features_enabled: {
      // cancel_update and cancel_without_rollback are served (issue 6); no remote (multi-cloud) stacks.
      stack_cancel: true,
      multi_cloud: false,
    },
  };
}

/** [magnum]: magnum_tempest_plugin's options (magnum_tempest_plugin/config.py) for its API tests. */
function containerInfraSections(c: ContainerInfraTarget): Record<string, Section> {
  return {
    magnum: {
      image_id: c.imageId,
      nic_id: c.nicId,
      flavor_id: c.flavorId,
      master_flavor_id: c.flavorId,
      // The plugin creates this keypair when it is missing (Nova's keypair API needs no compute host).
      keypair_name: 'magnum-tempest',
      dns_nameserver: '8.8.8.8',
      coe: c.coe,
      // No guest logs to copy: the plugin would ssh into nodes.
      copy_logs: false,
      // Minutes a test waits for CREATE_COMPLETE; a swarm-mode cluster here takes seconds.
      cluster_creation_timeout: 2,
    },
  };
}

/** The sections of tempest.conf, in the order they are written. */
export function tempestSections(target: TempestTarget): Record<string, Section> {
  const url = new URL(target.identityUrl);
  if (url.hostname !== '127.0.0.1') throw new Error(`Tempest may only talk to 127.0.0.1, not ${url.hostname}`);
  return {
    DEFAULT: {
      log_dir: `${target.workspace}/logs`, log_file: 'tempest.log',
      // heat's gabbi tests bypass Tempest's REST client and its request log; urllib3 at DEBUG names every
      // host they connect to, so the run can still prove it stayed on 127.0.0.1. The rest are oslo.log's
      // defaults.
      ...(target.orchestration ? { default_log_levels: OSLO_LOG_LEVELS.map((l) => (l.startsWith('urllib3.connectionpool=') ? 'urllib3.connectionpool=DEBUG' : l)).join(',') } : {}),
    },
    auth: {
      // The admin that `flotilla` bootstraps: user and project `admin` in domain Default.
      admin_username: 'admin',
      admin_password: target.adminPassword,
      admin_project_name: 'admin',
      admin_domain_name: 'Default',
      default_credentials_domain_name: 'Default',
      // Tempest creates its own users and projects per test class, so classes can run in parallel.
      use_dynamic_credentials: true,
      // The compute suite's test classes each get a network, subnet and router of their project's, as
      // Tempest does against Nova with Neutron (otherwise every class's first boot would take a /24 of
      // get-me-a-network's pool); the network tests make their own.
      create_isolated_networks: target.compute !== undefined && target.network !== undefined,
    },
    identity: {
      uri_v3: target.identityUrl,
      auth_version: 'v3',
      // Flotilla publishes one endpoint per interface at the same URL; public is what clients use.
      v3_endpoint_type: 'public',
      region: 'RegionOne',
      default_domain_id: 'default',
      admin_role: 'admin',
      // Flotilla's policies accept role:admin on a project-scoped token (no domain-scoped admin needed).
      admin_domain_scope: false,
      ...(target.securityCompliance ? {
        user_lockout_failure_attempts: target.securityCompliance.lockoutFailureAttempts,
        user_lockout_duration: target.securityCompliance.lockoutDuration,
        user_unique_last_password_count: target.securityCompliance.uniqueLastPasswordCount,
        // Tempest restores passwords by cycling through new ones: the cloud must allow that (age 0).
        user_minimum_password_age: 0,
      } : {}),
    },
    'identity-feature-enabled': {
      api_v2: false,
      api_v2_admin: false,
      api_v3: true,
      access_rules: true,
      application_credentials: true,
      trust: true,
      project_tags: true,
      // PCI-DSS lockout and password history: Keystone options, off by default in Keystone and in
      // Flotilla; on when the cloud under test was started with them (see conformance/identity.ts).
      security_compliance: target.securityCompliance !== undefined,
      immutable_user_source: false,
      // Keystone's domain_specific_drivers_enabled: each domain may have its own identity backend, and
      // listing users or groups then needs a domain filter. Flotilla stores domain configs (the API) but
      // keeps every domain on its one SQL backend, so unfiltered lists work and this stays false.
      domain_specific_drivers: false,
      // keystone_tempest_plugin's switches: no federation, no external IdP, and no scope enforcement
      // (Flotilla follows Keystone's defaults with enforce_scope off: admin is role:admin on any scope).
      federation: false,
      external_idp: false,
      enforce_scope: false,
    },
    // Tempest 33's identity API tests do not read this; keystone's rbac suite and other services' do.
    enforce_scope: { keystone: false },
    service_available: services(target),
    ...(target.compute ? computeSections(target.compute) : {}),
    ...(target.network ? networkSections(target.network) : {}),
    ...(target.orchestration ? orchestrationSections(target.identityUrl, target.orchestration) : {}),
    ...(target.containerInfra ? containerInfraSections(target.containerInfra) : {}),
    image: {
      catalog_type: 'image',
      endpoint_type: 'public',
      // Every format Glance accepts by default; the first of each is what Tempest's images use.
      container_formats: 'bare,ami,ari,aki,ovf,ova,docker,compressed',
      disk_formats: 'raw,qcow2,ami,ari,aki,vhd,vhdx,vmdk,vdi,iso,ploop',
      // No image cache middleware (its API is Glance's 2.14+ cache management).
      image_caching_enabled: false,
      // Only the web-download import reads this; import is off, and it must never leave 127.0.0.1.
      http_image: 'http://127.0.0.1:9/cirros.tar.gz',
      build_timeout: 60,
    },
    'image-feature-enabled': {
      api_v2: true,
      api_v1: false,
      // Interoperable import: glance-direct (stage, then import) only; web-download and glance-download
      // would reach outside 127.0.0.1, and their tests skip on /v2/info/import's list.
      import_image: true,
      // os_glance_* properties are reserved, as in Glance since Wallaby.
      os_glance_reserved: true,
      // Locations are not exposed (show_multiple_locations off): data lives in Flotilla's blob store.
      manage_locations: false,
    },
    // Tempest's ssh checks reach servers through floating IPs, which need Neutron (Networks issue).
    validation: { run_validation: false },
    oslo_concurrency: { lock_path: `${target.workspace}/tempest_lock` },
  };
}

/** Renders tempest.conf as INI text. */
export function renderTempestConf(target: TempestTarget): string {
  const lines: string[] = [];
  for (const [section, options] of Object.entries(tempestSections(target))) {
    lines.push(`[${section}]`);
    for (const [key, value] of Object.entries(options)) {
      // oslo.config expands `$name` in values, so a literal dollar (a password may hold one) is `$$`.
      const text = String(value).replaceAll('$', '$$$$');
      // It reads the rest of the line verbatim; a newline would start a new option.
      if (/[\r\n]/.test(text)) throw new Error(`tempest.conf value for ${section}.${key} contains a newline`);
      lines.push(`${key} = ${text}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
