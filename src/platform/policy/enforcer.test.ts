import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyEnforcer } from './enforcer.js';
import { parseRule } from './rules.js';

const admin = { user_id: 'u1', roles: ['admin'], project_id: 'p1' };
const reader = { user_id: 'u2', roles: ['reader'], project_id: 'p1', domain_id: null };
const systemReader = { user_id: 'u3', roles: ['reader'], system_scope: 'all' };

describe('policy rule language', () => {
  it('parses precedence as oslo.policy: not > and > or', () => {
    assert.deepEqual(parseRule('role:a or role:b and role:c'), {
      kind: 'or', rules: [{ kind: 'role', match: 'a' }, { kind: 'and', rules: [{ kind: 'role', match: 'b' }, { kind: 'role', match: 'c' }] }],
    });
    assert.deepEqual(parseRule('not role:a and role:b'), { kind: 'and', rules: [{ kind: 'not', rule: { kind: 'role', match: 'a' } }, { kind: 'role', match: 'b' }] });
  });

  it('treats the empty rule as allow and garbage as deny', () => {
    assert.deepEqual(parseRule(''), { kind: 'true' });
    assert.deepEqual(parseRule('(role:a'), { kind: 'false' });
    assert.deepEqual(parseRule('role:a or'), { kind: 'false' });
  });
});

describe('PolicyEnforcer', () => {
  const e = new PolicyEnforcer({
    admin_required: 'role:admin or is_admin:1',
    owner: 'user_id:%(user_id)s',
    'x:get': '(rule:admin_required) or (role:reader and system_scope:all) or project_id:%(target.project.id)s',
    'x:domain': "role:reader and domain_id:%(target.domain_id)s and not None:%(target.domain_id)s",
    'x:literal': "'member':%(target.role.name)s",
    'x:owner': 'rule:owner',
    'x:always': '@',
    'x:never': '!',
  });

  it('admin passes; scoped readers only for their own target', () => {
    assert.equal(e.check('x:get', admin, { target: { project: { id: 'other' } } }), true);
    assert.equal(e.check('x:get', reader, { target: { project: { id: 'p1' } } }), true);
    assert.equal(e.check('x:get', reader, { target: { project: { id: 'p2' } } }), false);
    assert.equal(e.check('x:get', systemReader, { target: { project: { id: 'p2' } } }), true);
  });

  it('a missing target key fails the check instead of matching', () => {
    assert.equal(e.check('x:get', reader, {}), false);
  });

  it('compares None like Python does', () => {
    assert.equal(e.check('x:domain', { ...reader, domain_id: 'd1' }, { target: { domain_id: 'd1' } }), true);
    assert.equal(e.check('x:domain', { ...reader, domain_id: null }, { target: { domain_id: null } }), false);
  });

  it('supports literal left-hand sides and flattened target keys', () => {
    assert.equal(e.check('x:literal', reader, { 'target.role.name': 'member' }), true);
    assert.equal(e.check('x:literal', reader, { target: { role: { name: 'admin' } } }), false);
  });

  it('resolves rule references, @ and !, and denies unknown actions', () => {
    assert.equal(e.check('x:owner', reader, { user_id: 'u2' }), true);
    assert.equal(e.check('x:owner', reader, { user_id: 'u9' }), false);
    assert.equal(e.check('x:always', reader), true);
    assert.equal(e.check('x:never', admin), false);
    assert.equal(e.check('x:unknown', admin), false);
    assert.throws(() => e.authorize('x:never', admin), /not authorized/);
  });
});
