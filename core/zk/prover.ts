/**
 * Proving and verifying behind one interface, so that a faster native prover (rapidsnark,
 * ICICLE, ...) can be plugged in where it exists. The snarkjs implementations keep the wasm
 * and the proving keys in memory after first use.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as snarkjs from 'snarkjs';
import { z } from 'zod';
import { SerialQueue } from '../common/concurrency.js';
import { MurmurError } from '../common/errors.js';
import type { Artifacts, CircuitName } from './artifacts.js';
import { BN254_R } from './fields.js';

/** A Groth16 proof in snarkjs's JSON form (what `snarkjs groth16 verify` reads as proof.json). */
export type Groth16Proof = snarkjs.Groth16Proof;

export interface ZkProof {
  proof: Groth16Proof;
  /** Decimal strings, outputs first and then public inputs in declaration order. */
  publicSignals: string[];
}

export interface ZkProver {
  /** Throws MurmurError E_INPUT when the input does not satisfy the circuit. */
  prove(circuit: CircuitName, input: Record<string, unknown>): Promise<ZkProof>;
}

export interface ZkVerifier {
  /** True when the proof verifies against the given public signals; false otherwise (never throws on bad input). */
  verify(circuit: CircuitName, proof: unknown, publicSignals: unknown): Promise<boolean>;
}

const decimal = z.string().regex(/^(0|[1-9][0-9]{0,77})$/);
const proofSchema = z.object({
  pi_a: z.array(decimal).length(3),
  pi_b: z.array(z.array(decimal).length(2)).length(3),
  pi_c: z.array(decimal).length(3),
  protocol: z.literal('groth16'),
  curve: z.literal('bn128'),
});

/** Parses an untrusted proof object (e.g. from a board entry); undefined if malformed. */
export function parseGroth16Proof(value: unknown): Groth16Proof | undefined {
  const r = proofSchema.safeParse(value);
  return r.success ? r.data : undefined;
}

/** Parses untrusted public signals: decimal strings below the BN254 scalar field order. */
export function parsePublicSignals(value: unknown, expectedLength?: number): string[] | undefined {
  const r = z.array(decimal).safeParse(value);
  if (!r.success) return undefined;
  if (expectedLength !== undefined && r.data.length !== expectedLength) return undefined;
  if (r.data.some((s) => BigInt(s) >= BN254_R)) return undefined;
  return r.data;
}

/**
 * Runs a function with console output swallowed: the generated witness calculator prints to
 * the console when an assertion fails, and that text must not reach logs.
 */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { log: console.log, error: console.error, warn: console.warn };
  const mute = (): void => undefined;
  console.log = mute;
  console.error = mute;
  console.warn = mute;
  try {
    return await fn();
  } finally {
    console.log = saved.log;
    console.error = saved.error;
    console.warn = saved.warn;
  }
}

const queue = new SerialQueue();

/**
 * Every snarkjs operation in the process runs one at a time. A proof already spreads over
 * every core; a verify started while a proof runs blocks the event loop on the shared curve's
 * worker pool (measured: the process stalls for good); and the witness step silences the
 * console process-wide, which overlapping calls would tangle.
 */
function serialized<T>(op: () => Promise<T>): Promise<T> {
  return queue.run(op);
}

/** circom's witness calculator (its .wasm instantiated once); init() resets it at each calculation. */
interface WitnessCalculator {
  calculateWTNSBin(input: Record<string, unknown>, sanityCheck?: boolean): Promise<Uint8Array>;
}
/**
 * The calculator snarkjs's own `wtns.calculate` builds, resolved from snarkjs's dependencies so
 * the versions always match. snarkjs builds (compiles and instantiates) one per proof: ~35 ms
 * CPU of a ~450 ms clinical proof; built once per circuit it is ~5 ms.
 */
const buildWitnessCalculator = (
  createRequire(createRequire(import.meta.url).resolve('snarkjs'))('circom_runtime') as {
    WitnessCalculatorBuilder(code: Uint8Array): Promise<WitnessCalculator>;
  }
).WitnessCalculatorBuilder;

interface LoadedCircuit {
  calculator: WitnessCalculator;
  zkey: Uint8Array;
}

export class SnarkjsProver implements ZkProver {
  private readonly loaded = new Map<CircuitName, Promise<LoadedCircuit>>();

  constructor(private readonly artifacts: Artifacts) {}

  private load(circuit: CircuitName): Promise<LoadedCircuit> {
    let p = this.loaded.get(circuit);
    if (!p) {
      const c = this.artifacts.circuits[circuit];
      p = Promise.all([readFile(c.wasm), readFile(c.zkey)]).then(async ([wasm, zkey]) => ({
        calculator: await buildWitnessCalculator(new Uint8Array(wasm)),
        zkey: new Uint8Array(zkey),
      }));
      this.loaded.set(circuit, p);
      p.catch(() => this.loaded.delete(circuit));
    }
    return p;
  }

  prove(circuit: CircuitName, input: Record<string, unknown>): Promise<ZkProof> {
    return serialized(() => this.proveNow(circuit, input));
  }

  private async proveNow(circuit: CircuitName, input: Record<string, unknown>): Promise<ZkProof> {
    const { calculator, zkey } = await this.load(circuit);
    const wtns: { type: 'mem'; data?: Uint8Array } = { type: 'mem' };
    try {
      wtns.data = await quietly(() => calculator.calculateWTNSBin(input));
    } catch {
      // The message names a template and line of the circuit, never a value; keep it out anyway.
      throw new MurmurError('E_INPUT', `the inputs do not satisfy the ${circuit} circuit`, { circuit });
    }
    const { proof, publicSignals } = await snarkjs.groth16.prove({ type: 'mem', data: zkey }, wtns);
    return { proof, publicSignals };
  }
}

export class SnarkjsVerifier implements ZkVerifier {
  constructor(private readonly artifacts: Artifacts) {}

  async verify(circuit: CircuitName, proof: unknown, publicSignals: unknown): Promise<boolean> {
    const c = this.artifacts.circuits[circuit];
    const p = parseGroth16Proof(proof);
    const s = parsePublicSignals(publicSignals, c.nPublic);
    if (!p || !s) return false;
    try {
      return await serialized(() => quietly(() => snarkjs.groth16.verify(c.vkey, s, p)));
    } catch {
      return false;
    }
  }
}

const shutdownHooks = new Set<() => Promise<void>>();

/** Runs `hook` at shutdownZk() (the default backend's worker pool closes this way). */
export function onZkShutdown(hook: () => Promise<void>): void {
  shutdownHooks.add(hook);
}

/**
 * Closes the default backend's worker pool and terminates snarkjs's multi-threaded curve in
 * this thread (cached in globalThis.curve_bn128 by ffjavascript for proving, verifying and
 * setup). Call at shutdown and in test teardown, or Node never exits. Safe to call more than
 * once; the next ZK call builds a new pool and curve.
 */
export async function shutdownZk(): Promise<void> {
  for (const hook of shutdownHooks) await hook();
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } | null };
  const curve = g.curve_bn128;
  if (curve) await curve.terminate();
}
