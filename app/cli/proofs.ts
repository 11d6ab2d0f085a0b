import { z } from 'zod';
import { errorMessage } from '../../core/common/errors.js';

export const ProofsOption = z.enum(['auto', 'on', 'off'], { error: 'is auto, on or off' }).default('auto');

export const PROOFS_HELP = `  --proofs MODE    zero-knowledge clinical predicate proofs: on, off, or auto (default: on
                   when the circuit keys are ready: shipped in circuits/keys/ and verified,
                   or built by \`murmur zk build\`)`;

/** Whether to run with proofs; `auto` turns them on only if the keys need no build first. */
export async function resolveProofs(mode: 'auto' | 'on' | 'off', note: (line: string) => void): Promise<boolean> {
  if (mode !== 'auto') return mode === 'on';
  const { artifactsCached } = await import('../../core/zk/index.js');
  try {
    if (await artifactsCached()) return true;
  } catch (e) {
    // A shipped key that does not match its manifest is refused, never used.
    note(`Zero-knowledge proofs are off: ${errorMessage(e)}`);
    return false;
  }
  note(
    'Zero-knowledge proofs are off: the circuit sources changed since the shipped keys and the keys are not built yet (`murmur zk build`, ≈5 min once, or pass --proofs on).',
  );
  return false;
}
