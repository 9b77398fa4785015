/** What the image service's routes are built from (wired in index.ts). */
import type { Logger } from '../platform/log.js';
import type { ImageAccess } from './access.js';
import type { ImageData } from './data.js';
import type { ImageStore } from './store.js';

export interface ImageContext {
  readonly log: Logger;
  /** The public endpoint, e.g. http://127.0.0.1:9292, for absolute links. */
  readonly baseUrl: string;
  readonly store: ImageStore;
  readonly access: ImageAccess;
  readonly data: ImageData;
}
