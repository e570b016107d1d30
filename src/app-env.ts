import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import type { Clock } from './shared/clock.ts';
import type { Actor, SessionUser } from './users/model.ts';

export type Deps = { db: Db; config: Config; clock: Clock };

/** How the request proved who it is: a session cookie (pages) or a bearer token (the API). */
export type Auth = { via: 'session'; sessionId: string } | { via: 'token'; tokenId: number };

/** Hono's environment: every handler reads its dependencies from here, never from module globals. */
export type AppEnv = { Variables: { deps: Deps; actor: Actor; user: SessionUser | null; auth: Auth | null } };
