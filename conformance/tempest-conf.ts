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
}

type Section = Record<string, string | number | boolean>;

/** Tempest's service switches: on only for what the catalog lists (see src/main.ts). */
const SERVICES: Section = {
  // glance: the image service (Glance v2, src/image).
  nova: false, glance: true, neutron: false, cinder: false, swift: false, horizon: false,
  // Options that plugins for our future services register; harmless when those plugins are absent.
  heat: false, magnum: false, murano: false, placement: false,
};

/** The sections of tempest.conf, in the order they are written. */
export function tempestSections(target: TempestTarget): Record<string, Section> {
  const url = new URL(target.identityUrl);
  if (url.hostname !== '127.0.0.1') throw new Error(`Tempest may only talk to 127.0.0.1, not ${url.hostname}`);
  return {
    DEFAULT: { log_dir: `${target.workspace}/logs`, log_file: 'tempest.log' },
    auth: {
      // The admin that `flotilla` bootstraps: user and project `admin` in domain Default.
      admin_username: 'admin',
      admin_password: target.adminPassword,
      admin_project_name: 'admin',
      admin_domain_name: 'Default',
      default_credentials_domain_name: 'Default',
      // Tempest creates its own users and projects per test class, so classes can run in parallel.
      use_dynamic_credentials: true,
      // No Neutron: dynamic credentials must not try to build networks.
      create_isolated_networks: false,
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
    service_available: SERVICES,
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
    // No servers to ssh into.
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
