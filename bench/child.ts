// Starts a benchmark server (bench/servers/*.ts) in its own Node process, so the load generator
// never shares its event loop, and talks to it over IPC: 'ready' with its port, 'mem' for
// process.memoryUsage(), 'stop' to close its database and exit.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './config.ts';

export type ServerChild = {
  port: number;
  pid: number;
  memory(): Promise<NodeJS.MemoryUsage>;
  stop(): Promise<void>;
};

type Msg = { type: 'ready'; port: number } | { type: 'mem'; mem: NodeJS.MemoryUsage } | { type: 'error'; message: string };

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.pid) c.kill('SIGKILL');
});

export async function startServer(script: string, env: Record<string, string>, timeoutMs = 180_000): Promise<ServerChild> {
  // BENCH_CPU_PROF=1: each server writes a V8 CPU profile to bench/.out/profiles/ when it stops
  // (summarise one with: node bench/cpu-top.mjs bench/.out/profiles).
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', join(ROOT, 'bench', '.out', 'profiles')] : [];
  // BENCH_NODE_ARGS: more flags for the servers' node (e.g. --trace-gc), space-separated.
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // The same young-generation size as `npm start` (package.json): bulk work such as an import keeps
  // batches alive across database round trips, and a larger nursery promotes far less of them.
  const child = spawn(process.execPath, ['--max-semi-space-size=64', ...prof, ...extra, '--import', 'tsx', join(ROOT, 'bench', 'servers', script)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  // The servers' own error log, less the requests whose statements the bench cancelled at the end
  // of a run (bench/pgstat.ts quiesce(): no client was waiting for them any more).
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString();
    if (!text.includes('canceling statement due to user request')) process.stderr.write(text);
  });
  children.add(child);
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  void exited.then(() => children.delete(child));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within ${timeoutMs / 1000} s`)), timeoutMs);
    child.on('message', (m: Msg) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m.port);
      } else if (m.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`${script}: ${m.message}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before it was ready`));
    });
  });

  return {
    port,
    pid: child.pid!,
    memory: () =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no memory report')), 10_000);
        const on = (m: Msg) => {
          if (m.type !== 'mem') return;
          clearTimeout(timer);
          child.off('message', on);
          resolve(m.mem);
        };
        child.on('message', on);
        child.send({ type: 'mem' });
      }),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
