// What the figures were measured on.

import { cpus, loadavg, release, totalmem } from 'node:os';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './config.ts';

export type Machine = {
  date: string;
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  os: string;
  pglite: string;
  postgres?: string;
  pglitePostgres?: string;
  loadAtStart: number[];
  /** The app code measured: commit and uncommitted changes (BENCH_SOURCE overrides, e.g. for a copy of the tree). */
  source: string;
};

/** `git` read-only: the commit and how many files of the app (src, views, drizzle) differ from it. */
function sourceOf(): string {
  if (process.env.BENCH_SOURCE) return process.env.BENCH_SOURCE;
  const git = (...args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return 'unknown';
  const dirty = git('status', '--porcelain', '--', 'src', 'views', 'drizzle').stdout.split('\n').filter(Boolean).length;
  return `commit ${head.stdout.trim()}${dirty ? ` + ${dirty} uncommitted files in src/, views/, drizzle/` : ''}`;
}

export function machine(): Machine {
  let pglite = '?';
  try {
    pglite = (JSON.parse(readFileSync(join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // unknown
  }
  let cpu = cpus()[0]?.model ?? '?';
  try {
    // Some VMs report a short model name; /proc/cpuinfo may say more.
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m && m[1]!.length > cpu.length) cpu = m[1]!.trim();
  } catch {
    // not Linux
  }
  return {
    date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
    cpu,
    cores: cpus().length,
    ramGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `Linux ${release()}`,
    pglite,
    loadAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    source: sourceOf(),
  };
}

/** One line for the top of each section. */
export function machineLine(m: Machine, scale: string): string {
  const pg = m.postgres ? `, PostgreSQL ${m.postgres}` : '';
  const pgl = m.pglitePostgres ? `, PGlite ${m.pglite} (PostgreSQL ${m.pglitePostgres})` : `, PGlite ${m.pglite}`;
  const load = loadavg().map((x) => x.toFixed(2)).join(' / ');
  return `_Measured ${m.date}, scale \`${scale}\`, app ${m.source}, on ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, Node ${m.node}${pg}${pgl}, ${m.os}. Load average (1/5/15 min) when this section was written: ${load}; at the start of the run: ${m.loadAtStart.join(' / ')}._`;
}
