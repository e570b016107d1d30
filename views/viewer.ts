import { tryGetContext } from 'hono/context-storage';
import type { AppEnv } from '../src/app-env.ts';
import { hasRole } from '../src/access/rules.ts';
import type { Role, SessionUser } from '../src/users/model.ts';

// Who is looking at a page: read from the request being rendered (hono's context storage), so
// the layout and a few cards can show what fits the viewer without every view passing it along.

export function viewer(): SessionUser | null {
  return tryGetContext<AppEnv>()?.var.user ?? null;
}

export const viewerIs = (min: Role) => hasRole(viewer()?.role, min);

/** Whether the viewer may change an account: its owner, or a manager or admin (the access rules' ownsAccount). */
export const viewerMayChange = (ownerId: number | null) => viewerIs('manager') || (ownerId !== null && viewer()?.id === ownerId);
