/**
 * Pinned files: a folder of artifacts listed with their SHA-256 in a manifest, checked before
 * anything in it is used. The circuit keys shipped in circuits/keys/ are such a folder, so a
 * fresh clone proves from its first run instead of spending minutes on the key build, and a
 * corrupted or substituted key is refused by name instead of producing proofs nobody accepts.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { MurmurError } from '../common/errors.js';

/** A file name inside the pinned folder: no path separators, no dot-files, so nothing escapes it. */
const FileName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'is a plain file name');
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'is 64 lower-case hex digits');

export const PinnedFile = z.object({ sha256: Sha256, bytes: z.number().int().nonnegative() }).strict();
export type PinnedFile = z.infer<typeof PinnedFile>;

/** The manifest's integrity part; the rest of the manifest (build parameters, versions) is free-form. */
export const PinnedManifest = z
  .object({
    /** The key of the sources these files were built from (artifactsHash()); other sources, other keys. */
    hash: z.string().regex(/^[0-9a-f]{20}$/),
    files: z.record(FileName, PinnedFile).refine((f) => Object.keys(f).length > 0 && Object.keys(f).length <= 64, 'lists 1–64 files'),
  })
  .passthrough();
export type PinnedManifest = z.infer<typeof PinnedManifest>;

export const MANIFEST_FILE = 'manifest.json';
const MAX_MANIFEST_BYTES = 256 * 1024;

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** The folder's manifest, or undefined when the folder has none (a checkout without shipped keys). */
export async function readPinnedManifest(dir: string): Promise<PinnedManifest | undefined> {
  const path = join(dir, MANIFEST_FILE);
  const size = await stat(path).then(
    (s) => s.size,
    () => undefined,
  );
  if (size === undefined) return undefined;
  if (size > MAX_MANIFEST_BYTES) throw new MurmurError('E_INPUT', `${path} is larger than ${MAX_MANIFEST_BYTES} bytes`, { path });
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw new MurmurError('E_INPUT', `${path} is not JSON`, { path });
  }
  const parsed = PinnedManifest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MurmurError('E_SCHEMA', `${path}: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'is invalid'}`, { path });
  }
  return parsed.data;
}

export interface PinnedCheck {
  file: string;
  expected: PinnedFile;
  actual: PinnedFile | undefined;
  ok: boolean;
}

/** Every listed file's size and SHA-256 against the manifest (all of them, for a report). */
export async function checkPinnedFiles(dir: string, manifest: PinnedManifest): Promise<PinnedCheck[]> {
  const out: PinnedCheck[] = [];
  for (const [file, expected] of Object.entries(manifest.files)) {
    const path = join(dir, file);
    const bytes = await stat(path).then(
      (s) => s.size,
      () => undefined,
    );
    const actual = bytes === undefined ? undefined : { bytes, sha256: bytes === expected.bytes ? await sha256File(path) : '' };
    out.push({ file, expected, actual, ok: actual !== undefined && actual.bytes === expected.bytes && actual.sha256 === expected.sha256 });
  }
  return out;
}

/** Throws, naming the first file that is missing or differs from the manifest. */
export async function assertPinnedFiles(dir: string, manifest: PinnedManifest): Promise<void> {
  for (const c of await checkPinnedFiles(dir, manifest)) {
    if (c.ok) continue;
    const path = join(dir, c.file);
    const why =
      c.actual === undefined
        ? 'is missing'
        : c.actual.bytes !== c.expected.bytes
          ? `has ${c.actual.bytes} bytes, the manifest says ${c.expected.bytes}`
          : `has SHA-256 ${c.actual.sha256}, the manifest says ${c.expected.sha256}`;
    throw new MurmurError(
      'E_CRYPTO',
      `refusing the shipped ZK artifact ${path}: it ${why} (restore it with git, or rebuild with \`murmur zk build --from-source\`)`,
      { file: c.file },
    );
  }
}
