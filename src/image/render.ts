/** Images and members as Glance v2 shows them (glance/api/v2 ResponseSerializers). */
import type { ImageRecord, ImageMember } from './client.js';
import { isoSeconds, type Image, type Member } from './model.js';

export function imageView(image: Image): ImageRecord {
  return {
    ...image.properties,
    name: image.name,
    disk_format: image.diskFormat,
    container_format: image.containerFormat,
    visibility: image.visibility,
    size: image.size,
    virtual_size: image.virtualSize,
    status: image.status,
    checksum: image.checksum,
    protected: image.protected,
    min_ram: image.minRam,
    min_disk: image.minDisk,
    owner: image.owner,
    os_hidden: image.osHidden,
    os_hash_algo: image.osHashAlgo,
    os_hash_value: image.osHashValue,
    id: image.id,
    created_at: isoSeconds(image.createdAt),
    updated_at: isoSeconds(image.updatedAt),
    tags: [...image.tags],
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  };
}

export function memberView(member: Member): ImageMember {
  return {
    member_id: member.memberId,
    image_id: member.imageId,
    status: member.status,
    created_at: isoSeconds(member.createdAt),
    updated_at: isoSeconds(member.updatedAt),
    schema: '/v2/schemas/member',
  };
}
