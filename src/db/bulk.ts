import { sql } from 'drizzle-orm';
import type { Db } from './client.ts';

// Many rows into one table, as fast as each driver allows: PostgreSQL's COPY over postgres.js
// (text format, no parameters to parse), and on PGlite, which has no COPY from a client stream,
// one INSERT … SELECT from jsonb_populate_recordset. Works in a transaction or on the pool.

export type BulkType = 'int' | 'float8' | 'text' | 'date' | 'bool' | 'text[]' | 'jsonb';
export type BulkColumn = readonly [name: string, type: BulkType];

type PgJsClient = { unsafe(query: string): { writable(): Promise<NodeJS.WritableStream & { on(e: string, f: (err?: Error) => void): unknown }> } };

function pgJsClient(db: Db): PgJsClient | null {
  const client = (db as unknown as { session?: { client?: unknown } }).session?.client as Partial<PgJsClient> | undefined;
  return client && typeof client.unsafe === 'function' ? (client as PgJsClient) : null;
}

/** COPY's text format escapes. */
function esc(s: string): string {
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : s;
}

function arrayLiteral(list: readonly unknown[]): string {
  return `{${list.map((v) => (v === null || v === undefined ? 'NULL' : `"${String(v).replace(/["\\]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}

function cell(v: unknown, type: BulkType): string {
  if (v === null || v === undefined) return '\\N';
  switch (type) {
    case 'int':
    case 'float8':
      return String(v);
    case 'bool':
      return v ? 't' : 'f';
    case 'text[]':
      return esc(arrayLiteral(v as unknown[]));
    case 'jsonb':
      return esc(typeof v === 'string' ? v : JSON.stringify(v));
    default:
      return esc(String(v));
  }
}

/** Inserts `rows` (each an array in the order of `columns`) into `table`. */
export async function bulkInsert(db: Db, table: string, columns: readonly BulkColumn[], rows: readonly (readonly unknown[])[]): Promise<void> {
  if (!rows.length) return;
  const names = columns.map(([n]) => `"${n}"`).join(', ');
  const client = pgJsClient(db);
  if (client) {
    const parts: string[] = [];
    for (const r of rows) {
      let line = '';
      for (let i = 0; i < columns.length; i++) line += (i ? '\t' : '') + cell(r[i], columns[i]![1]);
      parts.push(line);
    }
    const stream = await client.unsafe(`copy "${table}" (${names}) from stdin`).writable();
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('finish', () => resolve());
      stream.end(`${parts.join('\n')}\n`);
    });
    return;
  }
  const objects = rows.map((r) => Object.fromEntries(columns.map(([n], i) => [n, r[i] ?? null])));
  await db.execute(
    sql`insert into ${sql.identifier(table)} (${sql.raw(names)}) select ${sql.raw(names)} from jsonb_populate_recordset(null::${sql.identifier(table)}, ${JSON.stringify(objects)}::jsonb)`,
  );
}
