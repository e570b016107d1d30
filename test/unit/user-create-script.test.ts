import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// npm run user:create: a user of any role without a browser, and with --token an API token, each
// shown once. Runs the script for real against an embedded database in a temporary folder.

const dir = mkdtempSync(join(tmpdir(), 'pipegrade-user-create-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/user-create.ts', ...args], {
    env: { ...process.env, DATA_DIR: dir, DATABASE_URL: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('npm run user:create', () => {
  it('creates the first admin with a made-up password and a token, then refuses the same email; bad arguments say what is wrong', () => {
    const r = run('--email', 'Boss@Example.com', '--name', 'The Boss', '--role', 'admin', '--token', '--token-name', 'deploy');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Created admin The Boss <boss@example\.com> \(id 1\)\.$/m);
    expect(r.stdout).toMatch(/^Password \(shown once; they can change it on their page, \/me\): [A-Za-z0-9_-]{16}$/m);
    expect(r.stdout).toMatch(/^pgt_[A-Za-z0-9_-]{43}$/m);

    const again = run('--email', 'boss@example.com', '--name', 'Another', '--role', 'rep');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('--email: is already used by someone on the team');

    const rep = run('--email', 'rep@example.com', '--name', 'A Rep', '--role', 'rep', '--level', '3', '--password', 'a chosen password');
    expect(rep.status).toBe(0);
    expect(rep.stdout).toMatch(/^Created rep A Rep <rep@example\.com> \(id \d+, level 3\)\.$/m);
    expect(rep.stdout).not.toContain('a chosen password');

    const bad = run('--email', 'nope', '--role', 'king');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--role: must be one of: rep, manager, admin');
    expect(bad.stderr).toContain('Usage: npm run user:create');
  }, 120_000);
});
