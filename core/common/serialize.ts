import { deserialize, serialize } from 'node:v8';

/**
 * A structured-clone encoding of plain data (objects, arrays, Maps, Sets, primitives) as bytes,
 * for state that leaves the heap and comes back equal (settled cases in a cold store).
 */
export function toBytes(value: unknown): Uint8Array {
  return serialize(value);
}

export function fromBytes<T>(bytes: Uint8Array): T {
  return deserialize(bytes) as T;
}
