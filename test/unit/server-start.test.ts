import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('starting the server', () => {
  it('with a bad variable stops at once with a message naming it', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, PORT: 'eighty', DATA_DIR: '/nonexistent/never-created' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Invalid environment');
    expect(r.stderr).toContain('PORT: ');
  });
});
