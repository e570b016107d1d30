// Global setup of the "browser" project: the PGlite template (as the pglite project), and a check
// that Chromium is here. Without it the project fails loudly when required (CI), else it warns.
import type { TestProject } from 'vitest/node';
import { findChromium } from './browser.ts';
import { reportMissing } from './requirements.ts';
import pgliteSetup from './global-pglite.ts';

export default async function setup(project: TestProject) {
  const chromium = findChromium();
  if ('missing' in chromium) reportMissing(chromium.missing);
  return pgliteSetup(project);
}
