/**
 * A fault no retry can fix (an image that cannot boot, a snapshot the image service refuses): the server
 * is reported with it, and nothing is retried until its spec changes. Anything else thrown in a pass is
 * transient and retried with backoff.
 */
export class ServerFault extends Error {
  constructor(
    message: string,
    /** Nova's fault code (500 for a failed build, as Nova shows it). */
    readonly code = 500,
    /** False when the server keeps running and only an action failed (snapshot, resize). */
    readonly breaksServer = true,
    readonly details?: string,
  ) {
    super(message);
    this.name = 'ServerFault';
  }
}
