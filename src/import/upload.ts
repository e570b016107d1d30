import type { Db } from '../db/client.ts';
import { CsvFormatError, CsvReader, sniffDelimiter, utf8Decoder, type CsvRow, type Delimiter } from './csv.ts';
import { deleteJob, putChunk } from './store.ts';
import { slashedDateOrder, type DateOrder } from './values.ts';

// Receiving a file: its bytes are decoded and stored in the database in pieces of about 1 MiB as
// they arrive, and parsed on the way, so a file that is not CSV is refused at once with the line
// to fix, and the job knows its header, its row count and a few sample values per column.

export const CHUNK_CHARS = 1 << 20;
const FIRST_CHUNK_CHARS = 1 << 16;
const SAMPLE_ROWS = 3;

export type ColumnInfo = { samples: string[]; dateOrder: DateOrder | null };

/** Rows handed on while the file arrives (a dry run made during the upload: runner.ts, speculate). */
export type RowSink<T> = { push(rows: CsvRow[]): Promise<void>; finish(): Promise<T>; /** The upload ended without the file (refused, cut short). */ abort?(): Promise<void> };
export type SinkFactory<T> = (file: { header: string[]; delimiter: Delimiter; dateOrders: (DateOrder | null)[] }) => Promise<RowSink<T> | null>;

export type Received<T = unknown> =
  | { ok: true; bytes: number; delimiter: Delimiter; header: string[]; rows: number; columns: ColumnInfo[]; speculation: T | null }
  | { ok: false; status: 413 | 422; error: string; line?: number };

export class TooLarge extends Error {}

/** Counts the bytes of a body and stops it past `max`. */
export async function* limited(body: AsyncIterable<Uint8Array>, max: number, counter: { bytes: number }): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    counter.bytes += chunk.length;
    if (counter.bytes > max) throw new TooLarge();
    yield chunk;
  }
}

export function tooLargeMessage(max: number): string {
  return `The file is larger than the import limit of ${formatBytes(max)}. Split it, or ask an admin to raise IMPORT_MAX_BYTES.`;
}

export function formatBytes(n: number): string {
  if (n >= 1 << 20) return `${Math.round((n / (1 << 20)) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

/**
 * Stores the file of job `jobId` from its bytes and checks it is CSV. On any refusal the job (and
 * what was stored of it) is deleted. `max` bounds the bytes read.
 */
export async function receiveFile<T>(db: Db, jobId: number, bytes: AsyncIterable<Uint8Array>, max: number, sinkFor?: SinkFactory<T>): Promise<Received<T>> {
  const decoder = utf8Decoder();
  const counter = { bytes: 0 };
  let pending = '';
  let seq = 0;
  let reader: CsvReader | null = null;
  let delimiter: Delimiter = ',';
  let header: string[] | null = null;
  let rows = 0;
  let columns: ColumnInfo[] = [];
  let storing: Promise<void> = Promise.resolve();
  // The rows go on to the sink (when there is one) as they come, read with the date orders known so
  // far; a column found to be day-first after it already had a slashed date spoils what the sink made.
  let sink: RowSink<T> | null = null;
  let sinkAsked = false;
  let dateOrders: (DateOrder | null)[] = [];
  let slashedEarly: boolean[] = [];

  // Whatever the sink holds (an import's transaction and turn) is let go before the job goes.
  const refuseNow = async (r: Extract<Received, { ok: false }>): Promise<Received<T>> => {
    await (sink as RowSink<T> | null)?.abort?.();
    sink = null;
    return refuse(db, jobId, r);
  };

  const take = (list: CsvRow[]): CsvRow[] => {
    const data: CsvRow[] = [];
    for (const r of list) {
      if (!header) {
        header = r.cells.map((h, i) => h.trim() || `Column ${i + 1}`);
        columns = header.map(() => ({ samples: [], dateOrder: null }));
        dateOrders = header.map(() => null);
        slashedEarly = header.map(() => false);
        continue;
      }
      rows++;
      data.push(r);
      const cells = r.cells;
      for (let i = 0; i < cells.length && i < columns.length; i++) {
        const c = cells[i]!;
        const col = columns[i]!;
        if (col.samples.length < SAMPLE_ROWS && c.trim()) col.samples.push(c.length > 60 ? `${c.slice(0, 57)}…` : c);
        // A day above 12 in "a/b/yyyy" says how the whole column is written.
        if (col.dateOrder === null && c.length >= 6 && c.length <= 40 && (c.charCodeAt(1) === 47 || c.charCodeAt(2) === 47)) {
          if (slashedDateOrder(c) === 'dmy') col.dateOrder = dateOrders[i] = 'dmy';
          else slashedEarly[i] = true;
        }
      }
    }
    return data;
  };

  const flush = async (text: string) => {
    if (!text) return;
    if (!reader) {
      delimiter = sniffDelimiter(text);
      reader = new CsvReader(delimiter);
    }
    const n = seq++;
    await storing;
    storing = putChunk(db, jobId, n, text);
    // Awaited at the next piece or the end; until then a failure must not go unhandled.
    storing.catch(() => {});
    await hand(take(reader.push(text)));
  };

  const hand = async (data: CsvRow[]) => {
    if (!sinkAsked && header && sinkFor) {
      sinkAsked = true;
      sink = await sinkFor({ header, delimiter, dateOrders });
    }
    if (sink && data.length) await sink.push(data);
  };

  try {
    for await (const chunk of limited(bytes, max, counter)) {
      pending += decoder.push(chunk);
      // The first piece small: the header, and what the sink needs to start, come sooner.
      if (pending.length >= (seq ? CHUNK_CHARS : FIRST_CHUNK_CHARS)) {
        await flush(pending);
        pending = '';
      }
    }
    pending += decoder.end();
    await flush(pending);
    await storing;
    if (!reader) return await refuseNow({ ok: false, status: 422, error: 'The file is empty.' });
    await hand(take(await (reader as CsvReader).end()));
    if (!header) return await refuseNow({ ok: false, status: 422, error: 'The file is empty.' });
    if (rows === 0) return await refuseNow({ ok: false, status: 422, error: 'The file has a header but no rows.' });
    // A column found to be day-first late spoils what the sink made from the rows before.
    const spoiled = columns.some((c, i) => c.dateOrder === 'dmy' && slashedEarly[i]);
    if (spoiled) return { ok: true, bytes: counter.bytes, delimiter, header, rows, columns, speculation: null };
    const made = sink ? await (sink as RowSink<T>).finish() : null;
    sink = null;
    return { ok: true, bytes: counter.bytes, delimiter, header, rows, columns, speculation: made };
  } catch (err) {
    (reader as CsvReader | null)?.destroy();
    await storing.catch(() => {});
    if (err instanceof TooLarge) return refuseNow({ ok: false, status: 413, error: tooLargeMessage(max) });
    if (err instanceof CsvFormatError) return refuseNow({ ok: false, status: 422, error: `This is not a CSV file we can read: line ${err.line}: ${err.problem}.`, line: err.line });
    await (sink as RowSink<T> | null)?.abort?.();
    sink = null;
    await deleteJob(db, jobId).catch(() => {});
    throw err;
  } finally {
    // Whatever the sink began is given up unless the file arrived whole and unspoiled.
    await (sink as RowSink<T> | null)?.abort?.();
  }
}

async function refuse<T>(db: Db, jobId: number, r: Extract<Received, { ok: false }>): Promise<Received<T>> {
  await deleteJob(db, jobId);
  return r;
}
