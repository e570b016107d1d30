// The app as it runs in production, `node --import tsx src/server.ts`, in its own process on a
// free 127.0.0.1 port, for the fault tests: its output is kept, it can be sent a signal, and it
// is always killed when the test process exits.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/postgres-cluster.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export { freePort };

export type AppProcess = {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once it has exited. */
  exited: Promise<number | string>;
  /** Resolves when its output matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  signal(sig: NodeJS.Signals): void;
};

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts the app with this environment (DATABASE_URL or DATA_DIR, SCHEDULER, ...) and waits until it listens. */
export async function startApp(env: Record<string, string>, opts: { startTimeoutMs?: number } = {}): Promise<AppProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TZ_ORG: 'UTC', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, sig) => {
      children.delete(child);
      for (const w of waiters) w();
      resolve(code ?? sig ?? 'unknown');
    }),
  );
  const waitFor = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(out)) return done(resolve);
        if (child.exitCode !== null || child.signalCode !== null) done(() => reject(new Error(`the app exited before printing ${pattern}:\n${out}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`the app did not print ${pattern} within ${timeoutMs} ms:\n${out}`))), timeoutMs);
      const done = (f: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        f();
      };
      waiters.add(check);
      check();
    });
  const app: AppProcess = {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    child,
    output: () => out,
    exited,
    waitFor,
    signal: (sig) => {
      child.kill(sig);
    },
  };
  try {
    await waitFor(/pipegrade is running/, opts.startTimeoutMs ?? 90_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return app;
}

/** Waits for `p`, failing after `ms` with `what`. */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it returns true. */
export async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
