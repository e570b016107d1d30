import { createApp } from '../../src/app.tsx';
import { parseConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/client.ts';
import { fixedClock, type Clock } from '../../src/shared/clock.ts';

/** The app over a test database with a fixed clock; requests go through app.request(), no server. */
export function testApp(db: Db, today = '2026-06-30', clock: Clock = fixedClock(today)) {
  const app = createApp({ db, config: parseConfig({ SCHEDULER: 'off' }), clock });
  const form = (path: string, fields: Record<string, string | number>, headers: Record<string, string> = {}) =>
    app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, String(v)])).toString(),
    });
  const json = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { app, form, json, get: (path: string, headers: Record<string, string> = {}) => app.request(path, { headers }) };
}

/** The text of an HTML page with tags removed and whitespace folded, for assertions on what a person reads. */
export function text(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/** The value attribute of the input named `name` (first match). */
export function inputValue(html: string, name: string): string | undefined {
  const tag = html.match(new RegExp(`<input[^>]*name="${name}"[^>]*>`))?.[0];
  return tag?.match(/value="([^"]*)"/)?.[1];
}
