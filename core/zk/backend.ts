/** The process-wide default prover and verifier, over the cached artifacts. */
import { ensureCircuitArtifacts, type EnsureArtifactsOptions } from './artifacts.js';
import { SnarkjsProver, SnarkjsVerifier, type ZkProver, type ZkVerifier } from './prover.js';

export interface ZkBackend {
  prover: ZkProver;
  verifier: ZkVerifier;
}

/** Which prover/verifier a high-level call uses; defaults to the snarkjs backend. */
export interface ZkCallOptions {
  prover?: ZkProver;
  verifier?: ZkVerifier;
}

let backend: Promise<ZkBackend> | undefined;

/** Builds (once per process) the snarkjs backend over ensureCircuitArtifacts(options). */
export function defaultZkBackend(options?: EnsureArtifactsOptions): Promise<ZkBackend> {
  if (!backend) {
    backend = ensureCircuitArtifacts(options).then((a) => ({ prover: new SnarkjsProver(a), verifier: new SnarkjsVerifier(a) }));
    backend.catch(() => (backend = undefined));
  }
  return backend;
}

export async function proverFor(options?: ZkCallOptions): Promise<ZkProver> {
  return options?.prover ?? (await defaultZkBackend()).prover;
}

export async function verifierFor(options?: ZkCallOptions): Promise<ZkVerifier> {
  return options?.verifier ?? (await defaultZkBackend()).verifier;
}
