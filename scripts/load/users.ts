// The simulated people, each a loop of what they do in the app, against 127.0.0.1 only, until a
// deadline (and never more than `maxRequests` in all): reps list their prospects, open one and log
// a signal on it (a plain form post and its redirect, or an htmx post), look at their home page;
// managers open the territory, the weekly review (when the app has it), the A list and the team's
// home. Every signal carries a unique note, so the check afterwards can count each once.

import type { SimUser } from './prepare.ts';
import { BENCH_AS_OF } from '../../bench/config.ts';

export type Sample = { route: string; status: number | 'error'; ms: number; ok: boolean; detail?: string };
export type Logged = { note: string; account: number; acknowledged: boolean };

export type Mix = {
  base: string;
  deadline: number;
  maxRequests: number;
  review: boolean;
  /** Think time between a person's requests, ms (uniform). */
  repThink: [number, number];
  managerThink: [number, number];
  runId: string;
  seed: number;
};

const TIMING = ['selection_started', 'incumbent_failing', 'waiting_on_event', 'need_no_urgency', 'incumbent_aging', 'replacement_selection_started'] as const;
const TOUCH = ['call', 'email', 'meeting', 'visit', 'note'] as const;

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class LoadRun {
  samples: Sample[] = [];
  logged: Logged[] = [];
  private requests = 0;
  constructor(private mix: Mix) {}

  private over() {
    return Date.now() >= this.mix.deadline || this.requests >= this.mix.maxRequests;
  }

  /** One request; `expect` says what a correct answer is. Bodies are read whole, as a browser would. */
  private async request(route: string, user: SimUser, path: string, init: RequestInit, expect: (res: Response, body: string) => string | null): Promise<Response | null> {
    this.requests++;
    const started = performance.now();
    try {
      const headers = new Headers(init.headers);
      headers.set('cookie', user.cookie);
      const res = await fetch(`${this.mix.base}${path}`, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
      const body = await res.text();
      const problem = expect(res, body);
      this.samples.push({ route, status: res.status, ms: performance.now() - started, ok: !problem, ...(problem ? { detail: `${path}: ${problem}` } : {}) });
      return res;
    } catch (err) {
      this.samples.push({ route, status: 'error', ms: performance.now() - started, ok: false, detail: `${path}: ${(err as Error).message}` });
      return null;
    }
  }

  private page = (route: string, user: SimUser, path: string) =>
    this.request(route, user, path, {}, (res, body) => (res.status !== 200 ? `answered ${res.status}${res.headers.get('location') ? ` → ${res.headers.get('location')}` : ''}` : body.includes('<html') ? null : 'not a page'));

  private think(r: () => number, [lo, hi]: [number, number]) {
    return new Promise((res) => setTimeout(res, lo + r() * (hi - lo)));
  }

  async rep(user: SimUser, index: number): Promise<void> {
    const r = rng(this.mix.seed + index);
    const senior = user.level === 4;
    for (let i = 0; !this.over(); i++) {
      if (i % 5 === 4) {
        await this.page('GET /home (a rep)', user, '/home');
        await this.think(r, this.mix.repThink);
        continue;
      }
      await this.page('GET /prospects?owner= (their own)', user, `/prospects?owner=${user.id}${i % 3 ? '' : '&sort=close_by'}`);
      await this.think(r, this.mix.repThink);
      if (this.over()) break;
      const id = user.accounts[Math.floor(r() * user.accounts.length)]!;
      await this.page('GET /prospects/:id', user, `/prospects/${id}`);
      await this.think(r, this.mix.repThink);
      if (this.over()) break;

      const timing = senior && r() < 0.4;
      const type = timing ? TIMING[Math.floor(r() * TIMING.length)]! : TOUCH[Math.floor(r() * TOUCH.length)]!;
      const note = `load ${this.mix.runId} ${user.id}-${i}`;
      const fields: Record<string, string> = { type, date: BENCH_AS_OF, note };
      if (type === 'waiting_on_event') Object.assign(fields, { event: 'budget approved', expectedDate: '2026-09-01' });
      const logged: Logged = { note, account: id, acknowledged: false };
      this.logged.push(logged);
      const htmx = i % 2 === 1;
      const headers: Record<string, string> = { origin: this.mix.base, 'content-type': 'application/x-www-form-urlencoded', ...(htmx ? { 'hx-request': 'true', 'sec-fetch-site': 'same-origin' } : {}) };
      const res = await this.request(htmx ? 'POST /prospects/:id/signals (htmx)' : 'POST /prospects/:id/signals (form)', user, `/prospects/${id}/signals`, { method: 'POST', headers, body: new URLSearchParams(fields).toString() }, (res, body) => {
        if (htmx) return res.status === 200 && !body.includes('<html') && body.includes(note) ? null : `answered ${res.status}${body.includes(note) ? '' : ' without the new signal'}`;
        return res.status === 303 && /[?&]logged=1/.test(res.headers.get('location') ?? '') ? null : `answered ${res.status} → ${res.headers.get('location')}`;
      });
      logged.acknowledged = !!res && this.samples.at(-1)!.ok;
      if (res && !htmx && logged.acknowledged) await this.page('GET /prospects/:id?logged=1 (after the form)', user, res.headers.get('location')!);
      await this.think(r, this.mix.repThink);
    }
  }

  async manager(user: SimUser, index: number): Promise<void> {
    const r = rng(this.mix.seed + 1000 + index);
    const pages: [string, string][] = [
      ['GET /territory', '/territory'],
      ['GET /prospects?grade=A', '/prospects?grade=A'],
      ['GET /home (a manager)', '/home'],
      ...(this.mix.review ? ([['GET /review', '/review']] as [string, string][]) : []),
    ];
    for (let i = index; !this.over(); i++) {
      const [route, path] = pages[i % pages.length]!;
      await this.page(route, user, path);
      await this.think(r, this.mix.managerThink);
    }
  }

  /**
   * The import (when the app has an upload form), as a manager does it: upload a CSV of new
   * prospects, accept the mapping the page proposes, confirm after the dry run, and follow the
   * job page until it is no longer running. Returns the job's id.
   */
  async importer(user: SimUser, form: { action: string; field: string; extra: Record<string, string> }, rows: number): Promise<number | null> {
    const lines = ['name,domain,employees,revenue,growth,need'];
    for (let i = 0; i < rows; i++) lines.push(`Load Import ${this.mix.runId} ${i},load-import-${this.mix.runId}-${i}.example.com,${50 + i},${1_000_000 + i * 1000},${i % 30},medium`);
    const body = new FormData();
    for (const [k, v] of Object.entries(form.extra)) body.set(k, v);
    body.set(form.field, new Blob([lines.join('\n')], { type: 'text/csv' }), 'load.csv');
    const redirect = (res: Response) => (res.status === 303 ? null : `answered ${res.status}`);
    const up = await this.request('POST /imports (CSV upload)', user, form.action, { method: 'POST', headers: { origin: this.mix.base }, body }, redirect);
    const id = Number(/\/imports\/(\d+)/.exec(up?.headers.get('location') ?? '')?.[1]);
    if (!id) return null;
    const post = (route: string, path: string, fields: Record<string, string>) =>
      this.request(route, user, path, { method: 'POST', headers: { origin: this.mix.base, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() }, redirect);
    let mapped = false, confirmed = false;
    while (Date.now() < this.mix.deadline) {
      let html = '';
      await this.request('GET /imports/:id', user, `/imports/${id}`, {}, (res, b) => ((html = b), res.status === 200 ? null : `answered ${res.status}`));
      const mapping = formFields(html, `/imports/${id}/mapping`);
      if (!confirmed && html.includes(`action="/imports/${id}/confirm"`)) {
        await post('POST /imports/:id/confirm', `/imports/${id}/confirm`, {});
        confirmed = true;
      } else if (!mapped && mapping) {
        await post('POST /imports/:id/mapping', `/imports/${id}/mapping`, mapping);
        mapped = true;
      } else if (confirmed && !html.includes('/progress')) {
        break; // finished
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    return id;
  }
}

/** The fields a form would send as the page shows it: inputs' values, each select's selected (else first) option. */
function formFields(html: string, action: string): Record<string, string> | null {
  const m = new RegExp(`<form\\b[^>]*action="${action}"[^>]*>([\\s\\S]*?)</form>`).exec(html);
  if (!m) return null;
  const out: Record<string, string> = {};
  for (const i of m[1]!.matchAll(/<input\b[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(i[0])?.[1];
    if (!name || /type="(checkbox|radio)"/.test(i[0]) && !/\bchecked\b/.test(i[0])) continue;
    out[name] = /value="([^"]*)"/.exec(i[0])?.[1] ?? '';
  }
  for (const sel of m[1]!.matchAll(/<select\b[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const options = [...sel[2]!.matchAll(/<option\b([^>]*)>/g)].map((o) => ({ value: /value="([^"]*)"/.exec(o[1]!)?.[1] ?? '', selected: /\bselected\b/.test(o[1]!) }));
    out[sel[1]!] = (options.find((o) => o.selected) ?? options[0])?.value ?? '';
  }
  return out;
}

/** The app's import form, if it has one: the first multipart form with a file input on /imports or /import. */
export async function findImportForm(base: string, cookie: string): Promise<{ page: string; action: string; field: string; extra: Record<string, string> } | null> {
  for (const page of ['/imports', '/import', '/imports/new']) {
    const res = await fetch(`${base}${page}`, { headers: { cookie }, redirect: 'manual' });
    const html = await res.text();
    if (res.status !== 200) continue;
    for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
      if (!/multipart\/form-data/.test(m[1]!)) continue;
      const file = /<input\b[^>]*type="file"[^>]*name="([^"]+)"|<input\b[^>]*name="([^"]+)"[^>]*type="file"/.exec(m[2]!);
      if (!file) continue;
      const action = /action="([^"]+)"/.exec(m[1]!)?.[1] ?? page;
      const extra: Record<string, string> = {};
      for (const h of m[2]!.matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)) {
        const name = /name="([^"]+)"/.exec(h[0])?.[1];
        if (name) extra[name] = /value="([^"]*)"/.exec(h[0])?.[1] ?? '';
      }
      const select = /<select\b[^>]*name="([^"]+)"[^>]*>[\s\S]*?<option\b[^>]*value="([^"]*)"/.exec(m[2]!);
      if (select) extra[select[1]!] = select[2]!;
      return { page, action, field: file[1] ?? file[2]!, extra };
    }
  }
  return null;
}
