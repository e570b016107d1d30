import type { UserRow } from '../db/schema.ts';

// People: who they are and what they may do. Nothing here ever carries a password hash out.

export const ROLES = ['rep', 'manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = { rep: 'Rep', manager: 'Manager', admin: 'Admin' };

export const LEVELS = [1, 2, 3, 4] as const;
export type Level = (typeof LEVELS)[number];

export const LEVEL_LABELS: Record<Level, string> = {
  1: 'Associate',
  2: 'Account Executive',
  3: 'Senior AE',
  4: 'Key Account Manager',
};

export const USER_STATES = ['active', 'on_leave', 'deactivated'] as const;
export type UserState = (typeof USER_STATES)[number];

export const STATE_LABELS: Record<UserState, string> = { active: 'Active', on_leave: 'On leave', deactivated: 'Deactivated' };

/** Who is making a request (or which job): what actions record as the actor. */
export type Actor = { name: string; id?: number | null; role?: Role | null };

/** The signed-in user as the request sees it. */
export type SessionUser = { id: number; name: string; email: string; role: Role; level: number | null; state: UserState };

export const sessionUser = (u: UserRow): SessionUser => ({ id: u.id, name: u.name, email: u.email, role: u.role as Role, level: u.level, state: u.state as UserState });

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** A user as pages, the API and the audit trail show it: never the password hash. */
export function userJson(u: UserRow) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role as Role,
    level: u.level,
    levelLabel: u.level ? LEVEL_LABELS[u.level as Level] : null,
    capacity: u.capacity,
    region: u.region,
    state: u.state as UserState,
    leaveFrom: u.leaveFrom,
    leaveUntil: u.leaveUntil,
    canSignIn: u.state !== 'deactivated' && u.passwordHash !== null,
    version: u.version,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}

/** What a user's audit rows keep (no hash, no timestamps that change on every save). */
export function userAudit(u: UserRow) {
  return {
    email: u.email,
    name: u.name,
    role: u.role,
    level: u.level,
    capacity: u.capacity,
    region: u.region,
    state: u.state,
    leaveFrom: u.leaveFrom,
    leaveUntil: u.leaveUntil,
    version: u.version,
  };
}
