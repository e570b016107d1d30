import type { Config } from './config.ts';
import type { Db } from './db/client.ts';
import type { Clock } from './shared/clock.ts';

export type Deps = { db: Db; config: Config; clock: Clock };

/** Hono's environment: every handler reads its dependencies from here, never from module globals. */
export type AppEnv = { Variables: { deps: Deps; actor: { name: string } } };
