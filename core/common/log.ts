/**
 * Structured logging. Fields are ids, codes and counts only: never PHI. Anything that could
 * carry clinical content stays inside sealed sections and is never logged.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LogRecord {
  level: LogLevel;
  event: string;
  fields: LogFields;
  at: number;
}

export function memoryLogger(sink: LogRecord[] = [], base: LogFields = {}, now = () => Date.now()): Logger {
  return {
    log: (level, event, fields = {}) => sink.push({ level, event, fields: { ...base, ...fields }, at: now() }),
    child: (fields) => memoryLogger(sink, { ...base, ...fields }, now),
  };
}

export const silentLogger: Logger = { log: () => undefined, child: () => silentLogger };

/** JSON lines on a stream (stderr by default), at or above a level. */
export function streamLogger(write: (line: string) => void = (line) => process.stderr.write(line), minLevel: LogLevel = 'info', base: LogFields = {}): Logger {
  const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
  return {
    log: (level, event, fields = {}) => {
      if (order[level] < order[minLevel]) return;
      write(`${JSON.stringify({ level, event, ...base, ...fields })}\n`);
    },
    child: (fields) => streamLogger(write, minLevel, { ...base, ...fields }),
  };
}
