import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { MurmurError } from '../../core/common/errors.js';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(argv: string[]): Promise<number>;
}

/** Parses a command's arguments strictly, then validates them with the command's schema. */
export function parseCommandArgs<T extends z.ZodType>(command: Command, argv: string[], schema: T): { values: z.infer<T>; help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  } catch (e) {
    throw new MurmurError('E_INPUT', `${(e as Error).message.replace(/\. To specify.*$/, '')}\n\n${command.usage}`);
  }
  if (parsed.values.help) return { values: {} as z.infer<T>, help: true };
  const result = schema.safeParse(parsed.values);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new MurmurError('E_INPUT', `--${issue.path.join('.')}: ${issue.message}\n\n${command.usage}`, { option: issue.path.join('.') });
  }
  return { values: result.data, help: false };
}
