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

function countNewlines(cells: string[]): number {
  let n = 0;
  for (const c of cells) {
    if (c.length < 2 || c.indexOf('\n') < 0) continue;
    for (let i = c.indexOf('\n'); i >= 0; i = c.indexOf('\n', i + 1)) n++;
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
  private lastEnd = 0;
  private ended: Promise<void>;

  constructor(delimiter: Delimiter) {
    this.parser = parse({ delimiter, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, max_record_size: MAX_ROW_CHARS });
    this.parser.on('data', (cells: string[]) => {
      // info.lines is the line the row ends on; it starts as many lines earlier as it has newlines.
      const end = this.parser.info.lines;
      this.rows.push({ line: end - countNewlines(cells), cells });
      this.lastEnd = end;
    });
    this.ended = new Promise<void>((resolve) => {
      this.parser.on('end', resolve);
      this.parser.on('error', (err: Error & { code?: string; lines?: number }) => {
        // An unclosed quote is found at the end of the file: it opened on the row after the last good one.
        const line = err.code === 'CSV_QUOTE_NOT_CLOSED' || err.code === 'CSV_MAX_RECORD_SIZE' ? this.lastEnd + 1 : (err.lines ?? this.lastEnd + 1);
        this.error ??= new CsvFormatError(line, describe(err));
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
