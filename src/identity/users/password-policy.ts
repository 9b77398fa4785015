/**
 * Keystone's [security_compliance] rules for passwords and logins: lockout after failed logins, password
 * expiry, expiry upon first use, minimum age, history, and a format rule. All off unless configured,
 * as in Keystone.
 */
import { BadRequest } from '../../platform/errors.js';
import type { SecurityCompliance } from '../../platform/config.js';
import type { PasswordHasher } from '../passwords.js';
import type { User } from '../model.js';
import type { UserStore } from './store.js';

const DAY_MS = 24 * 3600 * 1000;

export class PasswordPolicy {
  constructor(readonly rules: SecurityCompliance, private readonly hasher: PasswordHasher, private readonly users: UserStore) {}

  /** Whether failed logins have locked the account right now. */
  isLocked(user: User, now = Date.now()): boolean {
    const { lockoutFailureAttempts: attempts, lockoutDuration: duration } = this.rules;
    if (attempts <= 0 || user.options.ignore_lockout_failure_attempts === true) return false;
    if (user.failedAuthCount < attempts) return false;
    // Without a duration the lock holds until an admin re-enables the user.
    if (duration <= 0 || !user.failedAuthAt) return true;
    return Date.parse(user.failedAuthAt) + duration * 1000 > now;
  }

  /** Counts a failed login when lockout is on. Returns true if the count changed. */
  async recordFailure(user: User): Promise<boolean> {
    if (this.rules.lockoutFailureAttempts <= 0 || user.options.ignore_lockout_failure_attempts === true) return false;
    await this.users.recordFailedAuth(user.id, new Date().toISOString());
    return true;
  }

  /** Clears the count after a successful login. Returns true if there was one to clear. */
  async recordSuccess(user: User): Promise<boolean> {
    if (user.failedAuthCount === 0) return false;
    await this.users.resetFailedAuth(user.id);
    return true;
  }

  /** Throws unless the password meets the configured format. */
  checkFormat(password: string): void {
    const { passwordRegex, passwordRegexDescription } = this.rules;
    if (passwordRegex && !new RegExp(passwordRegex, 'u').test(password)) {
      throw new BadRequest(`The password does not meet the requirements: ${passwordRegexDescription ?? passwordRegex}`);
    }
  }

  /** When a password set now expires: at once if an admin set it and first-use change is on. */
  expiryFor(options: Record<string, unknown>, setByAdmin: boolean, now = Date.now()): string | null {
    if (setByAdmin && this.rules.changePasswordUponFirstUse && options.ignore_change_password_upon_first_use !== true) {
      return new Date(now).toISOString();
    }
    if (this.rules.passwordExpiresDays > 0 && options.ignore_password_expiry !== true) {
      return new Date(now + this.rules.passwordExpiresDays * DAY_MS).toISOString();
    }
    return null;
  }

  /** The checks only a self-service change faces: minimum age and password history. */
  async checkSelfServiceChange(user: User, newPassword: string, now = Date.now()): Promise<void> {
    const { minimumPasswordAgeDays: minAge, uniqueLastPasswordCount: unique } = this.rules;
    // An expired password (e.g. one an admin set, to be changed upon first use) may always be changed.
    const expired = user.passwordExpiresAt !== null && Date.parse(user.passwordExpiresAt) <= now;
    if (minAge > 0 && !expired && user.passwordCreatedAt && Date.parse(user.passwordCreatedAt) + minAge * DAY_MS > now) {
      throw new BadRequest(`You cannot change your password at this time due to the minimum password age. Once you change your password, it must be used for ${minAge} day(s) before it can be changed.`);
    }
    if (unique > 1) {
      for (const hash of await this.users.passwordHistory(user.id, unique)) {
        if (await this.hasher.verify(newPassword, hash)) {
          throw new BadRequest(`The new password cannot be identical to a previous password. The total number which includes the new password must be unique is ${unique}.`);
        }
      }
    }
  }
}
