import { sql } from 'drizzle-orm';
import type { Db } from './client.ts';

// Many rows into one table, as fast as each driver allows: PostgreSQL's COPY over postgres.js
// (text format, no parameters to parse), and on PGlite, which has no COPY from a client stream,
// one INSERT … SELECT from jsonb_populate_recordset. Works in a transaction or on the pool.

export type BulkType = 'int' | 'float8' | 'text' | 'date' | 'bool' | 'text[]' | 'jsonb';
export type BulkColumn = readonly [name: string, type: BulkType];

type CopyStream = NodeJS.WritableStream & { on(e: string, f: (err?: Error) => void): unknown };
type PgJsClient = { unsafe(query: string): { writable(): Promise<CopyStream> }; reserve?: () => Promise<PgJsClient & { release(): void }> };

function pgJsClient(db: Db): PgJsClient | null {
  const client = (db as unknown as { session?: { client?: unknown } }).session?.client as Partial<PgJsClient> | undefined;
  return client && typeof client.unsafe === 'function' ? (client as PgJsClient) : null;
}

/** COPY's text format escapes. */
function esc(s: string): string {
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : s;
}

function escJson(s: string): string {
  return s.indexOf('\\') === -1 ? s : s.replaceAll('\\', '\\\\');
}

function arrayLiteral(list: readonly unknown[]): string {
  return `{${list.map((v) => (v === null || v === undefined ? 'NULL' : `"${String(v).replace(/["\\]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}

const NULL = '\\N';

/** One encoder per column type, chosen once per statement rather than per cell. */
const ENCODE: Record<BulkType, (v: unknown) => string> = {
  int: (v) => (v === null || v === undefined ? NULL : String(v)),
  float8: (v) => (v === null || v === undefined ? NULL : String(v)),
  bool: (v) => (v === null || v === undefined ? NULL : v ? 't' : 'f'),
  date: (v) => (v === null || v === undefined ? NULL : String(v)),
  text: (v) => (v === null || v === undefined ? NULL : esc(String(v))),
  'text[]': (v) => (v === null || v === undefined ? NULL : esc(arrayLiteral(v as unknown[]))),
  // JSON text has no raw tab, newline or carriage return (JSON escapes them), only backslashes to double.
  jsonb: (v) => (v === null || v === undefined ? NULL : typeof v === 'string' ? esc(v) : escJson(JSON.stringify(v))),
};

/** Rows (each an array in the order of `columns`) in COPY's text format. */
export function copyText(columns: readonly BulkColumn[], rows: readonly (readonly unknown[])[]): string {
  if (!rows.length) return '';
  const encoders = columns.map(([, type]) => ENCODE[type]);
  const n = encoders.length;
  // Joined, not concatenated: a joined string is flat, where += builds a rope that is flattened
  // again when written (twice the time, and garbage).
  const lines: string[] = new Array(rows.length);
  const cells: string[] = new Array(n);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    for (let i = 0; i < n; i++) cells[i] = encoders[i]!(r[i]);
    lines[k] = cells.join('\t');
  }
  return `${lines.join('\n')}\n`;
}

/** Whether `db` runs on PostgreSQL through postgres.js (where COPY is at hand). */
export const canCopy = (db: Db): boolean => pgJsClient(db) !== null;

/** COPY of rows already in COPY's text format (copyText; as UTF-8 bytes, nothing is left to encode) into `table`; PostgreSQL only. */
export async function copyIn(db: Db, table: string, columns: readonly BulkColumn[], text: string | Buffer): Promise<void> {
  const client = pgJsClient(db);
  if (!client) throw new Error('COPY needs PostgreSQL');
  if (!text.length) return;
  const names = columns.map(([n]) => `"${n}"`).join(', ');
  // On the pool, a connection of its own: postgres.js would otherwise send another query down the
  // same connection while it is in COPY mode, which breaks both. (A transaction's connection is its
  // own already: its caller must not query while this runs.)
  const conn = client.reserve ? await client.reserve() : null;
  try {
    const stream = await (conn ?? client).unsafe(`copy "${table}" (${names}) from stdin`).writable();
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('finish', () => resolve());
      stream.end(text);
    });
  } finally {
    conn?.release();
  }
}

/** Inserts `rows` (each an array in the order of `columns`) into `table`. */
export async function bulkInsert(db: Db, table: string, columns: readonly BulkColumn[], rows: readonly (readonly unknown[])[]): Promise<void> {
  if (!rows.length) return;
  if (canCopy(db)) return copyIn(db, table, columns, copyText(columns, rows));
  const names = columns.map(([n]) => `"${n}"`).join(', ');
  const objects = rows.map((r) => Object.fromEntries(columns.map(([n], i) => [n, r[i] ?? null])));
  await db.execute(
    // Values given for an identity column are kept, as COPY keeps them.
    sql`insert into ${sql.identifier(table)} (${sql.raw(names)}) overriding system value select ${sql.raw(names)} from jsonb_populate_recordset(null::${sql.identifier(table)}, ${JSON.stringify(objects)}::jsonb)`,
  );
}
