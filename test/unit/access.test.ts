import { describe, expect, it } from 'vitest';
import { DrizzleQueryError } from 'drizzle-orm/errors';
import { RULES, decide, hasRole, initialOwnerId, mayChangeAccount, userChangeProblem } from '../../src/access/rules.ts';
import { paramOf } from '../../src/access/middleware.tsx';
import { errorForLog } from '../../src/db/errors.ts';
import type { UserRow } from '../../src/db/schema.ts';
import { hashPassword, passwordProblem, verifyPassword } from '../../src/users/passwords.ts';
import { safeNext } from '../../src/users/routes.tsx';

// The access rules, one function at a time (test/http/permissions.test.ts walks every route).

const rep = { id: 7, role: 'rep' as const };
const manager = { id: 8, role: 'manager' as const };
const admin = { id: 9, role: 'admin' as const };
const user = (over: Partial<UserRow>) => ({ id: 1, role: 'rep', state: 'active', ...over }) as UserRow;

describe('decide', () => {
  it('lets anyone through a public route and sends the signed-out to sign in elsewhere', () => {
    expect(decide({ kind: 'public' }, null)).toBe('allow');
    expect(decide({ kind: 'signedIn' }, null)).toBe('signIn');
    expect(decide({ kind: 'atLeast', role: 'manager' }, null)).toBe('signIn');
    expect(decide({ kind: 'ownsAccount', param: 'id' }, null)).toBe('signIn');
  });

  it('ranks rep < manager < admin', () => {
    expect(decide({ kind: 'atLeast', role: 'manager' }, rep)).toBe('deny');
    expect(decide({ kind: 'atLeast', role: 'manager' }, manager)).toBe('allow');
    expect(decide({ kind: 'atLeast', role: 'manager' }, admin)).toBe('allow');
    expect(decide({ kind: 'atLeast', role: 'admin' }, manager)).toBe('deny');
    expect(hasRole(undefined, 'rep')).toBe(false);
  });

  it('asks for the owner only for a rep', () => {
    expect(decide({ kind: 'ownsAccount', param: 'id' }, rep)).toBe('owner');
    expect(decide({ kind: 'ownsDeal', param: 'id' }, manager)).toBe('allow');
    expect(mayChangeAccount(rep, 7)).toBe(true);
    expect(mayChangeAccount(rep, 8)).toBe(false);
    expect(mayChangeAccount(rep, null)).toBe(false);
    expect(mayChangeAccount(manager, null)).toBe(true);
  });

  it('makes a rep the owner of what they add, and nobody else', () => {
    expect(initialOwnerId({ name: 'r', id: 7, role: 'rep' })).toBe(7);
    expect(initialOwnerId({ name: 'm', id: 8, role: 'manager' })).toBeNull();
    expect(initialOwnerId({ name: 'test' })).toBeNull();
  });

  it('keeps every change to the team, the audit trail and the demo away from reps', () => {
    for (const [key, rule] of Object.entries(RULES)) {
      if (/\/(team|audit|users|demo)\b/.test(key)) expect(decide(rule, rep), key).toBe('deny');
      if (/^(POST|PUT|PATCH|DELETE) /.test(key) && !/sign-in|sign-out|\/me\b|\/me\//.test(key)) expect(decide(rule, null), key).toBe('signIn');
    }
  });
});

describe('userChangeProblem', () => {
  it('lets managers add and edit reps only, and never reset a password', () => {
    expect(userChangeProblem(manager, null, { role: 'rep', password: true })).toBeNull();
    expect(userChangeProblem(manager, null, { role: 'manager' })).toMatch(/Only an admin/);
    expect(userChangeProblem(manager, user({ role: 'rep' }), { state: 'deactivated' })).toBeNull();
    expect(userChangeProblem(manager, user({ role: 'manager' }), {})).toMatch(/Managers edit reps/);
    expect(userChangeProblem(manager, user({ role: 'rep' }), { role: 'admin' })).toMatch(/Only an admin/);
    expect(userChangeProblem(manager, user({ role: 'rep' }), { password: true })).toMatch(/password/);
  });

  it('lets admins do anything but demote or deactivate themselves', () => {
    expect(userChangeProblem(admin, user({ role: 'manager' }), { role: 'admin', password: true })).toBeNull();
    expect(userChangeProblem(admin, user({ id: 9, role: 'admin' }), { role: 'manager' })).toMatch(/your own admin role/);
    expect(userChangeProblem(admin, user({ id: 9, role: 'admin' }), { state: 'deactivated' })).toMatch(/deactivate yourself/);
    expect(userChangeProblem(admin, user({ id: 9, role: 'admin' }), { password: true })).toBeNull();
  });

  it('lets reps change nobody', () => {
    expect(userChangeProblem(rep, null, { role: 'rep' })).toMatch(/Only managers and admins/);
  });
});

describe('helpers', () => {
  it('reads a parameter by its place in the pattern', () => {
    expect(paramOf('/api/deals/:id/win', '/api/deals/42/win', 'id')).toBe('42');
    expect(paramOf('/prospects', '/prospects', 'id')).toBeUndefined();
  });

  it('goes back only to a path on this site after signing in', () => {
    expect(safeNext('/prospects?grade=A')).toBe('/prospects?grade=A');
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'evil', '/sign-in?next=/x', '/a\nb', undefined, '']) expect(safeNext(bad), String(bad)).toBeUndefined();
  });

  it('logs a failed query without its parameters', () => {
    const hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';
    const err = new DrizzleQueryError('insert into "users" ("email", "password_hash") values ($1, $2)', ['a@b.c', hash], Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), { code: '23505' }));
    const line = errorForLog(err);
    expect(line).toContain('insert into "users"');
    expect(line).toContain('duplicate key value');
    expect(line).toContain('params: [not logged]');
    expect(line).not.toContain(hash);
    expect(line).not.toContain('a@b.c');
  });
});

describe('passwords', () => {
  it('are hashed with argon2id, salted, and checked', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(a, 'Correct horse battery')).toBe(false);
    expect(await verifyPassword(null, 'anything')).toBe(false);
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
    expect(passwordProblem('short')).toBe('must be at least 10 characters');
    expect(passwordProblem('long enough now')).toBeNull();
  });
});
