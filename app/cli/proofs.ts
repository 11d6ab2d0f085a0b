import { z } from 'zod';

export const ProofsOption = z.enum(['auto', 'on', 'off'], { error: 'is auto, on or off' }).default('auto');

export const PROOFS_HELP = `  --proofs MODE    zero-knowledge clinical predicate proofs: on, off, or auto (default: on
                   when the circuit keys are built; \`murmur zk build\` builds them once)`;

/** Whether to run with proofs; `auto` turns them on only if the keys need no build first. */
export async function resolveProofs(mode: 'auto' | 'on' | 'off', note: (line: string) => void): Promise<boolean> {
  if (mode !== 'auto') return mode === 'on';
  const { artifactsCached } = await import('../../core/zk/index.js');
  if (await artifactsCached()) return true;
  note('Zero-knowledge proofs are off: the circuit keys are not built yet (`murmur zk build`, ≈5 min once, or pass --proofs on).');
  return false;
}
