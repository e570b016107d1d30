import { existsSync } from 'node:fs';
import type { Missing, Requirement } from './requirements.ts';

export const BROWSER_REQUIREMENT: Requirement = {
  name: 'Chromium',
  requireEnv: 'PIPEGRADE_REQUIRE_BROWSER',
  skips: 'the "browser" test project',
};

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Debian's Chromium (or CHROMIUM_PATH): playwright cannot download its own browser here. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): { path: string } | { missing: Missing } {
  const candidates = env.CHROMIUM_PATH ? [env.CHROMIUM_PATH] : CANDIDATES;
  const found = candidates.find((p) => existsSync(p));
  if (found) return { path: found };
  return {
    missing: {
      ...BROWSER_REQUIREMENT,
      why: [`No Chromium at ${candidates.join(', ')}.`],
      fix: ['apt-get install -y chromium   (Debian; .ci/run does this)', 'or set CHROMIUM_PATH to a Chromium/Chrome binary'],
    },
  };
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
