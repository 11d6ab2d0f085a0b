import type { LogFields, Logger, LogLevel } from '../../../core/common/log.js';
import type { LogLine } from './protocol.js';

/**
 * Node and agent logs for the consoles' Output view: a bounded buffer per organization (by the
 * `org` field agents log with), with listeners for live updates. Fields are ids and codes only.
 */
export class LogHub {
  private readonly buffers = new Map<string, LogLine[]>();
  private readonly listeners = new Set<(org: string, line: LogLine) => void>();

  constructor(
    private readonly capacity = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  logger(base: LogFields = {}): Logger {
    return {
      log: (level: LogLevel, event: string, fields: LogFields = {}) => this.push(level, event, { ...base, ...fields }),
      child: (fields: LogFields) => this.logger({ ...base, ...fields }),
    };
  }

  push(level: LogLevel, event: string, fields: LogFields): void {
    const org = typeof fields.org === 'string' ? fields.org : '*';
    const clean: LogLine['fields'] = {};
    for (const [k, v] of Object.entries(fields)) if (v !== undefined && k !== 'org') clean[k] = v;
    const line: LogLine = { at: this.now(), level, source: typeof fields.agent === 'string' ? fields.agent : 'node', event, fields: clean };
    const buf = this.buffers.get(org) ?? [];
    buf.push(line);
    if (buf.length > this.capacity) buf.splice(0, buf.length - this.capacity);
    this.buffers.set(org, buf);
    for (const l of this.listeners) l(org, line);
  }

  lines(org: string): LogLine[] {
    return [...(this.buffers.get('*') ?? []), ...(this.buffers.get(org) ?? [])].sort((a, b) => a.at - b.at);
  }

  onLine(listener: (org: string, line: LogLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
