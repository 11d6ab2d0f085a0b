import { fsync } from 'node:fs';

/**
 * Group commit for an append-only file: a caller that has written (writeSync, into the page
 * cache) awaits `synced()`, which resolves once an fsync begun after its write has completed.
 * The fsync runs on libuv's thread pool, so the event loop goes on while the disk works, and
 * every write made while one fsync is in flight shares the next one.
 */
export class GroupSync {
  private inFlight: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  /** fsyncs completed (tests and benchmarks read it). */
  syncs = 0;

  constructor(private readonly fd: number) {}

  synced(): Promise<void> {
    // A write made now is not covered by an fsync already running: it waits for the one after,
    // whatever became of the running one.
    if (!this.inFlight) return this.start();
    return (this.next ??= this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.start();
      }));
  }

  private start(): Promise<void> {
    const run: Promise<void> = new Promise((resolve, reject) =>
      fsync(this.fd, (e) => {
        if (this.inFlight === run) this.inFlight = undefined;
        if (e) return reject(e);
        this.syncs++;
        resolve();
      }),
    );
    this.inFlight = run;
    return run;
  }
}
