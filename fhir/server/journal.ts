import { open, readFile, truncate } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Resource } from '@medplum/fhirtypes';
import { z } from 'zod';
import { MurmurError, errorMessage } from '../../core/common/errors.js';
import type { Logger } from '../../core/common/log.js';

/** One write as it happened: the stored resource (with its id and meta) or a deletion. */
export type JournalOp = { op: 'put'; resource: Resource } | { op: 'delete'; resourceType: string; id: string };

/**
 * One line per committed HTTP request. A request's writes (a whole transaction) share a line,
 * so a torn last line after a crash loses exactly one unanswered request, never half of one.
 */
const LineSchema = z.object({
  v: z.literal(1),
  ops: z.array(
    z.discriminatedUnion('op', [
      z.object({ op: z.literal('put'), resource: z.looseObject({ resourceType: z.string(), id: z.string() }) }),
      z.object({ op: z.literal('delete'), resourceType: z.string(), id: z.string() }),
    ]),
  ),
});

export interface Journal {
  /** Appends one group of writes and fsyncs before resolving. */
  append(ops: readonly JournalOp[]): Promise<void>;
  close(): Promise<void>;
}

/** Reads every committed group in order; drops a torn (unterminated, unparsable) last line. */
export async function readJournal(path: string, logger: Logger): Promise<JournalOp[][]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new MurmurError('E_FHIR', `The FHIR journal could not be read: ${errorMessage(e)}`, { path });
  }
  const groups: JournalOp[][] = [];
  let offset = 0;
  let lineNo = 0;
  while (offset < text.length) {
    const end = text.indexOf('\n', offset);
    const line = end === -1 ? text.slice(offset) : text.slice(offset, end);
    lineNo++;
    const parsed = parseLine(line);
    if (parsed) {
      groups.push(parsed);
    } else if (end === -1) {
      // A crash during the last append: that request was never answered, so drop it.
      logger.log('warn', 'fhir.journal.torn-tail', { line: lineNo });
      await truncate(path, Buffer.byteLength(text.slice(0, offset), 'utf8'));
      break;
    } else if (line.trim() !== '') {
      throw new MurmurError('E_FHIR', `The FHIR journal is corrupt at line ${lineNo}; refusing to start on a partial store.`, {
        path,
        line: lineNo,
      });
    }
    if (end === -1) break;
    offset = end + 1;
  }
  return groups;
}

function parseLine(line: string): JournalOp[] | undefined {
  try {
    const result = LineSchema.safeParse(JSON.parse(line));
    return result.success ? (result.data.ops as JournalOp[]) : undefined;
  } catch {
    return undefined;
  }
}

export async function openJournal(path: string): Promise<Journal> {
  const handle: FileHandle = await open(path, 'a');
  return {
    async append(ops) {
      if (ops.length === 0) return;
      await handle.appendFile(`${JSON.stringify({ v: 1, ops })}\n`, 'utf8');
      await handle.datasync();
    },
    close: () => handle.close(),
  };
}

/** A journal that keeps nothing: the server then lives in memory only. */
export const noJournal: Journal = { append: async () => undefined, close: async () => undefined };
