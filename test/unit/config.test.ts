import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.ts';

describe('the environment', () => {
  it('defaults to the embedded database in ./data on port 3000', () => {
    expect(parseConfig({})).toMatchObject({ databaseUrl: undefined, dataDir: './data', port: 3000, orgTimeZone: 'UTC', scheduler: true });
  });

  it('reads DATABASE_URL, DATA_DIR, PORT and TZ_ORG', () => {
    const c = parseConfig({ DATABASE_URL: 'postgres://u:p@db:5432/pipegrade', DATA_DIR: '/var/pipegrade', PORT: '8080', TZ_ORG: 'Europe/Berlin', SCHEDULER: 'off' });
    expect(c).toMatchObject({ databaseUrl: 'postgres://u:p@db:5432/pipegrade', dataDir: '/var/pipegrade', port: 8080, orgTimeZone: 'Europe/Berlin', scheduler: false });
  });

  it('treats an empty DATABASE_URL as unset', () => {
    expect(parseConfig({ DATABASE_URL: '' }).databaseUrl).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ TZ_ORG: 'Mars/Olympus' }, 'TZ_ORG'],
    [{ SCHEDULER: 'sometimes' }, 'SCHEDULER'],
  ])('stops with a message naming the variable for %j', (env, name) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(new RegExp(`^Invalid environment:\\n  ${name}: `));
  });
});
