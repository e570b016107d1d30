// Global setup of the "pglite" project: migrate once into a template and dump it to a file that
// each worker loads in memory (PGlite `loadDataDir`). Creating a PGlite database (its initdb)
// takes ~5 s; loading a dump ~1-2 s. The dump is cached in .test-tmp/pglite/, keyed by what
// shapes it (drizzle/, src/db/client.ts, package-lock.json, the PGlite version), so a run after
// an unchanged one skips even that.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { migrationsFolder, openPglite } from '../../src/db/client.ts';
import type {} from './context.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cacheDir = join(root, '.test-tmp', 'pglite');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

function pgliteVersion(): string {
  // Its package.json is not exported: walk up from the entry point.
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite') return pkg.version ?? '?';
    } catch {
      // no package.json here
    }
    if (dirname(dir) === dir) return '?';
    dir = dirname(dir);
  }
}

function templateKey(): string {
  const hash = createHash('sha256');
  hash.update(`pglite ${pgliteVersion()}\n`);
  const inputs = [...filesUnder(migrationsFolder), join(root, 'src/db/client.ts'), join(root, 'package-lock.json')];
  for (const file of inputs.filter((f) => existsSync(f))) {
    hash.update(`${relative(root, file)}\n`).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

export async function pgliteTemplate(): Promise<{ file: string; cached: boolean; ms: number }> {
  const started = performance.now();
  const file = join(cacheDir, `template-${templateKey()}.tar.gz`);
  try {
    if (statSync(file).size > 0) {
      const now = new Date();
      utimesSync(file, now, now); // in use: see the clean-up below
      return { file, cached: true, ms: performance.now() - started };
    }
  } catch {
    // not cached yet
  }
  mkdirSync(cacheDir, { recursive: true });
  const database = await openPglite();
  try {
    await database.migrate();
    const client = (database.db as unknown as { $client: { dumpDataDir(c: 'gzip'): Promise<Blob> } }).$client;
    const dump = Buffer.from(await (await client.dumpDataDir('gzip')).arrayBuffer());
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, dump);
    renameSync(partial, file); // atomic: a concurrent run sees all of it or nothing
  } finally {
    await database.close();
  }
  // Older templates go, once no run that started before this one can still be reading them.
  for (const name of readdirSync(cacheDir)) {
    const other = join(cacheDir, name);
    try {
      if (other !== file && name.startsWith('template-') && Date.now() - statSync(other).mtimeMs > 15 * 60_000) {
        rmSync(other, { force: true });
      }
    } catch {
      // removed meanwhile by another run
    }
  }
  return { file, cached: false, ms: performance.now() - started };
}

export default async function setup(project: TestProject) {
  const { file, cached, ms } = await pgliteTemplate();
  if (process.env.PIPEGRADE_TEST_TIMINGS) console.log(`[pglite] template ${cached ? 'cached' : 'built'} in ${ms.toFixed(0)} ms`);
  project.provide('pgliteTemplate', file);
}
