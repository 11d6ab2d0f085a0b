// Minimal ambient types for the untyped GPL-3.0 ZK packages, covering only what core/zk uses.

declare module 'snarkjs' {
  export interface SnarkjsLogger {
    debug(msg: string): void;
    info(msg: string): void;
    warn(msg: string): void;
    error(msg: string): void;
  }
  /** A file name, or an in-memory file. */
  export type FileRef = string | Uint8Array | { type: 'mem'; data?: Uint8Array };
  /** A Groth16 proof in snarkjs's JSON form (proof.json); core/zk/prover.ts re-exports it. */
  export interface Groth16Proof {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol: string;
    curve: string;
  }
  export const groth16: {
    prove(zkey: FileRef, witness: FileRef, logger?: SnarkjsLogger): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    verify(vk: unknown, publicSignals: unknown, proof: unknown, logger?: SnarkjsLogger): Promise<boolean>;
  };
  export const wtns: {
    calculate(input: Record<string, unknown>, wasm: FileRef, out: FileRef): Promise<void>;
  };
  export const powersOfTau: {
    newAccumulator(curve: unknown, power: number, fileName: string, logger?: SnarkjsLogger): Promise<unknown>;
    beacon(oldPtau: string, newPtau: string, name: string, beaconHashHex: string, numIterationsExp: number, logger?: SnarkjsLogger): Promise<unknown>;
    preparePhase2(oldPtau: string, newPtau: string, logger?: SnarkjsLogger): Promise<unknown>;
  };
  export const zKey: {
    newZKey(r1cs: string, ptau: string, zkey: FileRef, logger?: SnarkjsLogger): Promise<unknown>;
    contribute(zkeyOld: FileRef, zkeyNew: FileRef, name: string, entropy: string, logger?: SnarkjsLogger): Promise<Uint8Array>;
    beacon(zkeyOld: FileRef, zkeyNew: FileRef, name: string, beaconHashHex: string, numIterationsExp: number, logger?: SnarkjsLogger): Promise<unknown>;
    verifyFromR1cs(r1cs: string, ptau: string, zkey: FileRef, logger?: SnarkjsLogger): Promise<boolean>;
    verifyFromInit(initZkey: FileRef, ptau: string, zkey: FileRef, logger?: SnarkjsLogger): Promise<boolean>;
    exportVerificationKey(zkey: FileRef, logger?: SnarkjsLogger): Promise<Record<string, unknown>>;
  };
  export const curves: {
    getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<{ terminate(): Promise<void> }>;
  };
}
