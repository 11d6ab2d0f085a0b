/**
 * Runs tasks one at a time in arrival order. The embedded server serves every request through
 * one queue, so a reader never sees a write that is not yet fsynced or that a failing
 * transaction is about to undo.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves when everything queued so far has finished. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
