/**
 * Heat's named faults: the name is the `error.type` of Heat's body and the message Heat's text
 * (heat/common/exception.py), mapped to the status heat/api/middleware/fault.py's error_map gives it.
 */
import { Fault } from '../platform/errors.js';

/** A fault with Heat's exception class name as its type. */
export class HeatFault extends Fault {
  constructor(readonly status: number, type: string, message: string) {
    super(message);
    this.name = type;
  }
}

export const stackNotFound = (name: string): HeatFault => new HeatFault(404, 'EntityNotFound', `The Stack (${name}) could not be found.`);
export const resourceNotFound = (name: string, stack: string): HeatFault =>
  new HeatFault(404, 'ResourceNotFound', `The Resource (${name}) could not be found in Stack ${stack}.`);
export const eventNotFound = (id: string): HeatFault => new HeatFault(404, 'EntityNotFound', `The Event (${id}) could not be found.`);
export const outputNotFound = (key: string, stack: string): HeatFault =>
  new HeatFault(404, 'NotFound', `Specified output key ${key} not found in stack ${stack}.`);
export const resourceTypeNotFound = (type: string): HeatFault =>
  new HeatFault(404, 'EntityNotFound', `The Resource Type (${type}) could not be found.`);
export const templateVersionNotFound = (v: string): HeatFault => new HeatFault(404, 'NotFound', `Template with version ${v} not found`);
export const stackExists = (name: string): HeatFault => new HeatFault(409, 'StackExists', `The Stack (${name}) already exists.`);
export const actionInProgress = (name: string, action: string): HeatFault =>
  new HeatFault(409, 'ActionInProgress', `Stack ${name} already has an action (${action}) in progress.`);
export const validationFailed = (message: string): HeatFault => new HeatFault(400, 'StackValidationFailed', message);
export const badRequest = (message: string): HeatFault => new HeatFault(400, 'HTTPBadRequest', message);
export const invalidTemplateVersion = (message: string): HeatFault => new HeatFault(400, 'InvalidTemplateVersion', message);
export const requestLimitExceeded = (message: string): HeatFault => new HeatFault(400, 'RequestLimitExceeded', `Request limit exceeded: ${message}`);
export const notSupported = (feature: string): HeatFault => new HeatFault(400, 'NotSupported', `${feature} is not supported.`);
export const actionNotAllowed = (message: string): HeatFault => new HeatFault(400, 'ActionNotAllowed', message);
export const forbidden = (action: string): HeatFault => new HeatFault(403, 'Forbidden', `You are not authorized to use ${action}.`);
