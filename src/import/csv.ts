import { parse, type Parser } from 'csv-parse';

// Reading CSV text in pieces with csv-parse (quoted fields with separators and newlines, CRLF,
// a separator other than the comma). Each row comes with the file line it starts on, as a text
// editor or a spreadsheet numbers it (the header is line 1).

export type CsvRow = { line: number; cells: string[] };

/** A file that is not CSV as far as it goes: where, and what to fix. */
export class CsvFormatError extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
  }
}

/** The longest row we read: a quote left open would otherwise swallow the rest of the file. */
export const MAX_ROW_CHARS = 1_000_000;

const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/** The separator of a file: the one its first line (outside quotes) has most of; a comma by default. */
export function sniffDelimiter(text: string): Delimiter {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (let i = 0; i < text.length && i < 65_536; i++) {
    const ch = text[i]!;
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best: Delimiter = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/** Line breaks inside a row's cells: CRLF, LF and a lone CR each end one line. */
function countNewlines(cells: string[]): number {
  let n = 0;
  for (const c of cells) {
    if (c.length < 1) continue;
    const lf = c.indexOf('\n');
    const cr = c.indexOf('\r');
    if (lf < 0 && cr < 0) continue;
    for (let i = 0; i < c.length; i++) {
      const ch = c.charCodeAt(i);
      if (ch === 10) n++;
      else if (ch === 13 && c.charCodeAt(i + 1) !== 10) n++;
    }
  }
  return n;
}

function describe(err: { code?: string; message: string }): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed: a " is missing';
    case 'CSV_MAX_RECORD_SIZE':
      return `a row longer than ${MAX_ROW_CHARS.toLocaleString('en-US')} characters: a " is probably missing`;
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'text follows the closing " of a quoted field';
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'text follows the closing " of a quoted field';
    default:
      return err.message.replace(/^[A-Za-z ]+: /, '');
  }
}

/**
 * Parses CSV text given piece by piece: push() returns the rows completed so far (synchronously:
 * csv-parse emits them while it reads the piece), end() the rest; either throws CsvFormatError.
 * Blank lines are skipped; rows keep their cells as text, whatever their count.
 */
export class CsvReader {
  private parser: Parser;
  private rows: CsvRow[] = [];
  private error: CsvFormatError | null = null;
  /** The line the next row starts on. csv-parse's own count takes a CRLF inside quotes for two lines, so we count. */
  private next = 1;
  private ended: Promise<void>;

  constructor(delimiter: Delimiter) {
    this.parser = parse({ delimiter, relax_column_count: true, relax_quotes: true, max_record_size: MAX_ROW_CHARS });
    this.parser.on('data', (cells: string[]) => {
      const line = this.next;
      this.next += 1 + countNewlines(cells);
      // A blank line (or a spreadsheet's ",,,,") is skipped, but counts as a line.
      if (cells[0]!.trim() === '' && cells.every((c) => c.trim() === '')) return;
      this.rows.push({ line, cells });
    });
    this.ended = new Promise<void>((resolve) => {
      this.parser.on('end', resolve);
      this.parser.on('error', (err: Error & { code?: string; lines?: number }) => {
        // The row that failed starts after the last good one (an unclosed quote is only found at the end of the file).
        this.error ??= new CsvFormatError(this.next, describe(err));
        resolve();
      });
    });
  }

  private take(): CsvRow[] {
    if (this.error) throw this.error;
    const out = this.rows;
    this.rows = [];
    return out;
  }

  push(text: string): CsvRow[] {
    if (this.error) throw this.error;
    if (text) this.parser.write(text);
    return this.take();
  }

  async end(): Promise<CsvRow[]> {
    if (this.error) throw this.error;
    this.parser.end();
    await this.ended;
    return this.take();
  }

  /** Stops reading (the caller gave up on the file). */
  destroy(): void {
    this.parser.destroy();
  }
}

/** Decodes UTF-8 bytes arriving in pieces; a byte-order mark at the start is dropped. */
export function utf8Decoder() {
  const d = new TextDecoder('utf-8', { ignoreBOM: false });
  return {
    push: (bytes: Uint8Array) => d.decode(bytes, { stream: true }).replace(/\0/g, ''),
    end: () => d.decode().replace(/\0/g, ''),
  };
}
