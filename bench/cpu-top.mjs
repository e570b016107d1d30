// node bench/cpu-top.mjs DIR|FILE [N] [--inclusive]: the functions with the most self time (or,
// with --inclusive, time including their callees) in a V8 .cpuprofile — the newest main-thread
// profile in DIR, e.g. one written by a bench server run with BENCH_CPU_PROF=1.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const inclusive = process.argv.includes('--inclusive');
const arg = args[0] ?? 'bench/.out/profiles';
const n = Number(args[1] ?? 30);
const file = statSync(arg).isDirectory()
  ? readdirSync(arg)
      .filter((f) => f.endsWith('.cpuprofile') && /\.0\.\d+\.cpuprofile$/.test(f)) // thread 0: the main thread
      .map((f) => join(arg, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]
  : arg;
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((x) => [x.id, x]));
const parent = new Map();
for (const x of profile.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
const keyOf = (x) => {
  const f = x.callFrame;
  return `${f.functionName || '(anonymous)'}  ${f.url.split('/').slice(-3).join('/')}:${f.lineNumber + 1}`;
};
const time = new Map();
let total = 0, busy = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  const leaf = nodes.get(id);
  if (leaf.callFrame.functionName !== '(idle)') busy += dt;
  if (!inclusive) {
    time.set(keyOf(leaf), (time.get(keyOf(leaf)) ?? 0) + dt);
    return;
  }
  const seen = new Set();
  for (let x = leaf; x; x = nodes.get(parent.get(x.id))) {
    const k = keyOf(x);
    if (x.callFrame.functionName === '' || x.callFrame.functionName === '(root)' || seen.has(k)) continue;
    seen.add(k);
    time.set(k, (time.get(k) ?? 0) + dt);
  }
});
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled, ${(busy / 1000).toFixed(0)} ms not idle (${inclusive ? 'inclusive' : 'self'} time; % of not-idle)`);
for (const [k, t] of [...time].sort((a, b) => b[1] - a[1]).slice(0, n)) {
  console.log(`${(t / 1000).toFixed(0).padStart(8)} ms ${((t / busy) * 100).toFixed(1).padStart(5)} %  ${k}`);
}
