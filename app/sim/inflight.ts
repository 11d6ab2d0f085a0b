/**
 * Work the node hands to the runtime's thread pool (WebCrypto, which the credential and DID
 * libraries may call; HPKE no longer does, see core/crypto/hpke-native.ts) settles on the event loop, not as a microtask, so one turn of the loop does not see it end.
 * The simulator counts it as taking no simulated time: before the clock moves on, the
 * scheduler waits for every such operation in flight. Only the simulator installs this.
 */
const pending = new Set<Promise<unknown>>();
let installed = false;

const SUBTLE_METHODS = [
  'encrypt',
  'decrypt',
  'sign',
  'verify',
  'digest',
  'generateKey',
  'deriveKey',
  'deriveBits',
  'importKey',
  'exportKey',
  'wrapKey',
  'unwrapKey',
] as const;

/** Tracks every WebCrypto operation from now on (idempotent). */
export function trackAsyncCrypto(): void {
  if (installed) return;
  installed = true;
  const proto = Object.getPrototypeOf(globalThis.crypto.subtle) as Record<string, unknown>;
  for (const name of SUBTLE_METHODS) {
    const original = proto[name];
    if (typeof original !== 'function') continue;
    proto[name] = function (this: unknown, ...args: unknown[]): Promise<unknown> {
      const p = (original as (...a: unknown[]) => Promise<unknown>).apply(this, args);
      pending.add(p);
      const done = (): void => void pending.delete(p);
      p.then(done, done);
      return p;
    };
  }
}

/** Resolves once no tracked operation is in flight and the microtasks they started have run. */
export async function settled(): Promise<void> {
  for (;;) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (pending.size === 0) return;
    await Promise.allSettled([...pending]);
  }
}
