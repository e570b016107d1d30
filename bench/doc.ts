// Writes results into docs/benchmarks.md: each benchmark at each scale owns the text between
// <!-- bench:NAME:SCALE:start --> and <!-- bench:NAME:SCALE:end -->, which is replaced whole;
// everything else in the file (the intro) is left alone. A missing section is appended under
// its scale's heading, or at the end.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DOC } from './config.ts';

const INTRO = `# Benchmarks

Run \`npm run bench\` (see the top of bench/run.ts). The sections below are written by it.
`;

/** The order of the sections under a scale's heading. */
const ORDER = ['data', 'grading', 'regrade', 'retier', 'convert', 'pages-pg', 'pages-pglite', 'memory', 'planner', 'territory', 'review', 'import'];

export function writeSection(name: string, scale: string, markdown: string): void {
  mkdirSync(dirname(DOC), { recursive: true });
  let doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : INTRO;
  const start = `<!-- bench:${name}:${scale}:start -->`;
  const end = `<!-- bench:${name}:${scale}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i >= 0 && j > i) {
    doc = doc.slice(0, i) + block + doc.slice(j + end.length);
  } else {
    const heading = `<!-- bench:results:${scale} -->`;
    const h = doc.indexOf(heading);
    if (h >= 0) {
      // Before the first later section of this scale (in ORDER), else after the last one present.
      const later = ORDER.slice(ORDER.indexOf(name) + 1)
        .map((n) => doc.indexOf(`<!-- bench:${n}:${scale}:start -->`))
        .filter((k) => k > h);
      if (later.length) {
        const at = Math.min(...later);
        doc = `${doc.slice(0, at)}${block}\n\n${doc.slice(at)}`;
      } else {
        const nextHeading = doc.indexOf('<!-- bench:results:', h + heading.length);
        const limit = nextHeading >= 0 ? nextHeading : doc.length;
        const lastEnd = doc.lastIndexOf(`:${scale}:end -->`, limit);
        const at = lastEnd > h ? doc.indexOf('-->', lastEnd) + 3 : h + heading.length;
        doc = `${doc.slice(0, at)}\n\n${block}${doc.slice(at)}`;
      }
    } else {
      doc = `${doc.trimEnd()}\n\n${block}\n`;
    }
  }
  writeFileSync(DOC, doc);
}
