/**
 * Glance's default policies (glance/policies/, secure RBAC with new defaults enforced): project members
 * manage their project's images, readers read them, admins do anything. Targets name the image's owner
 * as `project_id`/`owner` and, for a shared image seen by a member project, that project as `member_id`.
 *
 * One addition for Flotilla's own services: the `service` role (nova and the host agents, through
 * `service_api`) may read and download any image a user asks it to boot and upload data into the image of
 * a snapshot it was asked to take.
 */
const ADMIN = 'rule:context_is_admin';
const SERVICE = 'rule:service_api';
const PROJECT_MEMBER = 'role:member and project_id:%(project_id)s';
const PROJECT_READER = 'role:reader and project_id:%(project_id)s';
const VISIBLE = "(project_id:%(project_id)s or project_id:%(member_id)s or 'community':%(visibility)s or 'public':%(visibility)s or 'shared':%(visibility)s)";
const ADMIN_OR_PROJECT_MEMBER = `${ADMIN} or (${PROJECT_MEMBER})`;
const ADMIN_OR_PROJECT_READER = `${ADMIN} or (${PROJECT_READER})`;
const ADMIN_OR_SHARED_MEMBER = `${ADMIN} or (role:member and project_id:%(member_id)s)`;
const READ_NAMESPACE = `${ADMIN} or (role:reader and (project_id:%(project_id)s or 'public':%(visibility)s))`;
const METADEF_ADMIN = ADMIN;
const ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER = `${ADMIN} or (role:reader and (project_id:%(project_id)s or project_id:%(member_id)s))`;

export const imagePolicyRules = {
  default: '',
  context_is_admin: 'role:admin',
  service_api: 'role:service or role:admin',

  add_image: `${ADMIN} or (${PROJECT_MEMBER} and project_id:%(owner)s)`,
  delete_image: ADMIN_OR_PROJECT_MEMBER,
  get_image: `${ADMIN} or (role:reader and ${VISIBLE}) or ${SERVICE}`,
  get_images: ADMIN_OR_PROJECT_READER,
  modify_image: ADMIN_OR_PROJECT_MEMBER,
  publicize_image: ADMIN,
  communitize_image: ADMIN_OR_PROJECT_MEMBER,
  download_image: `${ADMIN} or (role:member and ${VISIBLE}) or ${SERVICE}`,
  upload_image: `${ADMIN_OR_PROJECT_MEMBER} or ${SERVICE}`,
  deactivate: ADMIN_OR_PROJECT_MEMBER,
  reactivate: ADMIN_OR_PROJECT_MEMBER,

  add_member: ADMIN_OR_PROJECT_MEMBER,
  delete_member: ADMIN_OR_PROJECT_MEMBER,
  get_member: ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER,
  get_members: ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER,
  modify_member: ADMIN_OR_SHARED_MEMBER,

  // Metadata definitions: readers see public namespaces and their project's; only admins change them.
  get_metadef_namespace: READ_NAMESPACE,
  get_metadef_namespaces: ADMIN_OR_PROJECT_READER,
  add_metadef_namespace: METADEF_ADMIN,
  modify_metadef_namespace: METADEF_ADMIN,
  delete_metadef_namespace: METADEF_ADMIN,
  get_metadef_object: READ_NAMESPACE,
  get_metadef_objects: READ_NAMESPACE,
  add_metadef_object: METADEF_ADMIN,
  modify_metadef_object: METADEF_ADMIN,
  delete_metadef_object: METADEF_ADMIN,
  list_metadef_resource_types: READ_NAMESPACE,
  get_metadef_resource_type: READ_NAMESPACE,
  add_metadef_resource_type_association: METADEF_ADMIN,
  remove_metadef_resource_type_association: METADEF_ADMIN,
  get_metadef_property: READ_NAMESPACE,
  get_metadef_properties: READ_NAMESPACE,
  add_metadef_property: METADEF_ADMIN,
  modify_metadef_property: METADEF_ADMIN,
  remove_metadef_property: METADEF_ADMIN,
  get_metadef_tag: READ_NAMESPACE,
  get_metadef_tags: READ_NAMESPACE,
  add_metadef_tag: METADEF_ADMIN,
  add_metadef_tags: METADEF_ADMIN,
  modify_metadef_tag: METADEF_ADMIN,
  delete_metadef_tag: METADEF_ADMIN,
  delete_metadef_tags: METADEF_ADMIN,
} as const satisfies Readonly<Record<string, string>>;

export type ImageAction = keyof typeof imagePolicyRules;
