// The child side of bench/child.ts.

/** `close` should stop the server first; the database is closed after a grace period for requests still running. */
export function serveIpc(port: number, close: () => Promise<void>): void {
  process.send?.({ type: 'ready', port });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'mem') process.send?.({ type: 'mem', mem: process.memoryUsage() });
    if (m.type === 'stop') {
      void close().finally(() => process.exit(0));
    }
  });
  // Never outlive the benchmark runner.
  process.on('disconnect', () => void close().finally(() => process.exit(0)));
}

export function failIpc(err: unknown): never {
  process.send?.({ type: 'error', message: err instanceof Error ? err.stack ?? err.message : String(err) });
  process.exit(1);
}
