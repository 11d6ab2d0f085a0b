/**
 * Phase-2 ceremony for the Groth16 keys: each organization adds its own contribution to the
 * circuit's zkey in turn, so that no single organization knows the setup's secret (the keys are
 * sound if at least one contributor destroyed its randomness). A final public beacon closes the
 * transcript; anyone can verify the whole chain against the r1cs and the phase-1 ptau.
 * See circuits/CEREMONY.md for what a production ceremony needs.
 */
import { readFile } from 'node:fs/promises';
import * as snarkjs from 'snarkjs';
import type { FileRef, SnarkjsLogger } from 'snarkjs';
import { MurmurError, errorMessage } from '../common/errors.js';
import { toHex } from '../common/encoding.js';
import type { Random } from '../common/random.js';
import { cryptoRandom } from '../common/random.js';

/** A zkey as a file path or in memory. */
export type ZkeyRef = string | Uint8Array;

export interface ContributionResult {
  /** The new zkey, with this contribution appended to its transcript. */
  zkey: Uint8Array;
  /** Hex hash the contributor publishes so others can find it in the transcript. */
  contributionHash: string;
}

export interface TranscriptEntry {
  index: number;
  name: string;
  hash: string;
  beacon: boolean;
}

export interface TranscriptVerdict {
  ok: boolean;
  reason?: 'invalid-transcript' | 'contributors-mismatch' | 'unreadable';
  contributions: TranscriptEntry[];
}

async function asRef(z: ZkeyRef): Promise<FileRef> {
  return typeof z === 'string' ? { type: 'mem', data: new Uint8Array(await readFile(z)) } : { type: 'mem', data: z };
}

function hashHex(h: Uint8Array): string {
  return toHex(h);
}

/**
 * Adds one organization's contribution. `entropy` is mixed with fresh system randomness by
 * snarkjs; it must be non-empty (snarkjs would otherwise prompt on stdin). The contributor must
 * erase its process memory afterwards: nothing here keeps the randomness.
 */
export async function contribute(zkeyIn: ZkeyRef, name: string, entropy?: string | Uint8Array, random: Random = cryptoRandom): Promise<ContributionResult> {
  if (!name || /[\r\n]/.test(name)) throw new MurmurError('E_INPUT', 'a contribution needs a one-line name', { field: 'name' });
  const e = entropy === undefined ? toHex(random.bytes(32)) : typeof entropy === 'string' ? entropy : toHex(entropy);
  if (e.length === 0) throw new MurmurError('E_INPUT', 'contribution entropy must be non-empty', { field: 'entropy' });
  const out: { type: 'mem'; data?: Uint8Array } = { type: 'mem' };
  let hash: Uint8Array;
  try {
    hash = await snarkjs.zKey.contribute(await asRef(zkeyIn), out, name, e);
  } catch (err) {
    throw new MurmurError('E_CRYPTO', `zkey contribution failed: ${errorMessage(err)}`);
  }
  if (!out.data) throw new MurmurError('E_INTERNAL', 'snarkjs produced no zkey');
  return { zkey: out.data, contributionHash: hashHex(hash) };
}

/**
 * Closes the transcript with a public random beacon (e.g. a future block hash, announced before
 * it exists), hex; 2^iterationsExp hash iterations make grinding the beacon costly.
 */
export async function applyBeacon(zkeyIn: ZkeyRef, name: string, beaconHex: string, iterationsExp = 10): Promise<ContributionResult> {
  if (!/^([0-9a-fA-F]{2}){1,64}$/.test(beaconHex)) throw new MurmurError('E_INPUT', 'the beacon must be hex', { field: 'beaconHex' });
  if (!Number.isInteger(iterationsExp) || iterationsExp < 10 || iterationsExp > 63) {
    throw new MurmurError('E_INPUT', 'beacon iterationsExp must be an integer in [10, 63]', { field: 'iterationsExp' });
  }
  const out: { type: 'mem'; data?: Uint8Array } = { type: 'mem' };
  const hash = await snarkjs.zKey.beacon(await asRef(zkeyIn), out, name, beaconHex, iterationsExp);
  if (!(hash instanceof Uint8Array)) throw new MurmurError('E_CRYPTO', 'zkey beacon failed');
  if (!out.data) throw new MurmurError('E_INTERNAL', 'snarkjs produced no zkey');
  return { zkey: out.data, contributionHash: hashHex(hash) };
}

/** Parses snarkjs's "contribution #i name:" lines (hash on the following lines). */
function transcriptCollector(): { logger: SnarkjsLogger; entries: TranscriptEntry[] } {
  const entries: TranscriptEntry[] = [];
  const info = (msg: string): void => {
    const m = /^contribution #(\d+) ?(.*?):\s*([\s\S]*)$/.exec(msg);
    if (m) {
      entries.push({ index: Number(m[1]), name: (m[2] ?? '').trim(), hash: (m[3] ?? '').replace(/\s+/g, ''), beacon: false });
    } else if (msg.startsWith('Beacon generator:')) {
      const last = entries[entries.length - 1];
      if (last) last.beacon = true;
    }
  };
  return { logger: { debug: () => undefined, info, warn: () => undefined, error: () => undefined }, entries };
}

/**
 * Verifies a zkey's whole transcript: that it derives from this r1cs and phase-1 ptau through
 * valid contributions. With `expectedContributors`, the contribution names must match in order
 * (beacon entries included).
 */
export async function verifyTranscript(args: {
  r1cs: string;
  ptau: string;
  zkey: ZkeyRef;
  expectedContributors?: readonly string[];
}): Promise<TranscriptVerdict> {
  const { logger, entries } = transcriptCollector();
  let ok: boolean;
  try {
    ok = await snarkjs.zKey.verifyFromR1cs(args.r1cs, args.ptau, await asRef(args.zkey), logger);
  } catch {
    return { ok: false, reason: 'unreadable', contributions: [] };
  }
  entries.sort((a, b) => a.index - b.index); // snarkjs logs the newest first
  if (!ok) return { ok: false, reason: 'invalid-transcript', contributions: entries };
  if (args.expectedContributors) {
    const names = entries.map((c) => c.name);
    const want = args.expectedContributors;
    if (names.length !== want.length || names.some((n, i) => n !== want[i])) return { ok: false, reason: 'contributors-mismatch', contributions: entries };
  }
  return { ok: true, contributions: entries };
}

/** The verification key of a ceremony's final zkey, in snarkjs's standard JSON. */
export async function exportVerificationKey(zkey: ZkeyRef): Promise<Record<string, unknown>> {
  return (await snarkjs.zKey.exportVerificationKey(await asRef(zkey))) as Record<string, unknown>;
}
