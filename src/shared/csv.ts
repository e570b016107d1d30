// RFC 4180 output. Cells that a spreadsheet would run as a formula are prefixed with a quote.
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = Array.isArray(v) ? v.join(' ') : v instanceof Date ? v.toISOString() : String(v);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: readonly unknown[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

/** A small CSV download (header and rows in memory), with a byte-order mark for spreadsheets. */
export function csvResponse(c: { header(name: string, value: string): void; body(data: string): Response }, filename: string, header: readonly unknown[], rows: readonly (readonly unknown[])[]): Response {
  c.header('Content-Type', 'text/csv; charset=utf-8');
  c.header('Content-Disposition', `attachment; filename="${filename.replace(/[^\w.-]+/g, '_')}"`);
  return c.body('\uFEFF' + csvLine(header) + rows.map(csvLine).join(''));
}
