// A streaming reader of multipart/form-data (RFC 7578), for the upload form: the file's bytes are
// handed on as they arrive, so a large file is never held in memory. Parts are fields (small,
// kept as text) or files (streamed).

export type MultipartEvent =
  | { type: 'field'; name: string; value: string }
  | { type: 'file'; name: string; filename: string }
  | { type: 'data'; bytes: Uint8Array }
  | { type: 'fileEnd' };

export class MultipartError extends Error {}

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_FIELD_BYTES = 64 * 1024;

/** The boundary of a multipart/form-data content type, or null. */
export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  const b = m?.[1] ?? m?.[2];
  return b && b.length <= 200 ? b : null;
}

function partHeaders(raw: string): { name: string; filename: string | null } {
  const disposition = raw.split('\r\n').find((l) => /^content-disposition:/i.test(l)) ?? '';
  const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? /\bname=([^;\s]+)/i.exec(disposition)?.[1];
  if (name === undefined) throw new MultipartError('a part of the form has no name');
  const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1] ?? /\bfilename=([^;\s]+)/i.exec(disposition)?.[1] ?? null;
  return { name, filename };
}

export async function* readMultipart(body: AsyncIterable<Uint8Array>, boundary: string): AsyncGenerator<MultipartEvent> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first boundary has no CRLF before it: pretend it does.
  let buf: Buffer = Buffer.from('\r\n');
  let state = 'preamble' as 'preamble' | 'boundary' | 'headers' | 'body' | 'done';
  let part: { name: string; filename: string | null } | null = null;
  let field: Buffer[] = [];
  let fieldBytes = 0;

  function* emit(bytes: Buffer): Generator<MultipartEvent> {
    if (!bytes.length || !part) return;
    if (part.filename !== null) yield { type: 'data', bytes };
    else {
      fieldBytes += bytes.length;
      if (fieldBytes > MAX_FIELD_BYTES) throw new MultipartError(`the form field ${part.name} is too long`);
      field.push(bytes);
    }
  }

  function* step(): Generator<MultipartEvent> {
    for (;;) {
      if (state === 'preamble') {
        const i = buf.indexOf(delimiter);
        if (i < 0) {
          buf = buf.subarray(Math.max(0, buf.length - delimiter.length));
          return;
        }
        buf = buf.subarray(i + delimiter.length);
        state = 'boundary';
      } else if (state === 'boundary') {
        if (buf.length < 2) return;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = 'done';
          return;
        }
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        buf = buf.subarray(eol + 2);
        state = 'headers';
      } else if (state === 'headers') {
        const i = buf.indexOf('\r\n\r\n');
        if (i < 0) {
          if (buf.length > MAX_HEADER_BYTES) throw new MultipartError('a part of the form has headers too long');
          return;
        }
        part = partHeaders(buf.subarray(0, i).toString('utf8'));
        buf = buf.subarray(i + 4);
        state = 'body';
        field = [];
        fieldBytes = 0;
        if (part.filename !== null) yield { type: 'file', name: part.name, filename: part.filename };
      } else if (state === 'body') {
        const i = buf.indexOf(delimiter);
        if (i < 0) {
          // Keep what could be the start of the delimiter for the next piece.
          const safe = buf.length - (delimiter.length - 1);
          if (safe > 0) {
            yield* emit(buf.subarray(0, safe));
            buf = buf.subarray(safe);
          }
          return;
        }
        yield* emit(buf.subarray(0, i));
        buf = buf.subarray(i + delimiter.length);
        if (part!.filename !== null) yield { type: 'fileEnd' };
        else yield { type: 'field', name: part!.name, value: Buffer.concat(field).toString('utf8') };
        part = null;
        state = 'boundary';
      } else return;
    }
  }

  for await (const chunk of body) {
    if (state === 'done') continue;
    // Copy: the caller may keep data events while we read on.
    buf = buf.length ? Buffer.concat([buf, chunk]) : Buffer.from(chunk);
    yield* step();
  }
  if (state !== 'done') throw new MultipartError('the form ended before its last part');
}
