/**
 * Magnum's named faults (magnum/common/exception.py) with the status its exception base gives each
 * (Invalid and NotSupported 400, NotAuthorized 403, NotFound 404, Conflict 409); the renderer
 * (platform/http/faults.ts magnumFaults) turns them into Magnum's `{"errors": […]}` body.
 */
import { Fault } from '../platform/errors.js';

export class MagnumFault extends Fault {
  constructor(readonly status: number, type: string, message: string, readonly body?: unknown) {
    super(message);
    this.name = type;
  }
}

export const invalid = (message: string): MagnumFault => new MagnumFault(400, 'InvalidParameterValue', message);
export const notSupported = (message: string): MagnumFault => new MagnumFault(400, 'NotSupported', message);
export const forbidden = (action: string): MagnumFault => new MagnumFault(403, 'PolicyNotAuthorized', `Policy doesn't allow ${action} to be performed.`);
export const notFound = (kind: string, ident: string): MagnumFault => new MagnumFault(404, `${kind}NotFound`, `${kind} ${ident} could not be found.`);
export const conflict = (type: string, message: string): MagnumFault => new MagnumFault(409, type, message);
export const ambiguous = (kind: string): MagnumFault =>
  new MagnumFault(409, 'Conflict', `Multiple ${kind}s exist with same name. Please use the ${kind} uuid instead.`);
export const statusNotSupported = (status: string): MagnumFault => new MagnumFault(400, 'NotSupported', `Updating a cluster when status is "${status}" is not supported`);
export const operationInProgress = (name: string): MagnumFault => new MagnumFault(400, 'OperationInProgress', `Cluster ${name} already has an operation in progress.`);
