import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseCommandArgs, type Command } from '../args.js';

const help = (c: Command): number => (process.stdout.write(`${c.usage}\n`), 0);

export const zkBuild: Command = {
  name: 'zk build',
  summary: 'check the shipped circuit keys, or build them from source and compare',
  usage: `Usage: murmur zk build [--from-source] [--write-shipped]

Without options: makes the circuits' Groth16 keys ready. The development keys shipped in
circuits/keys/ are used when they were built from the current circuit sources and every file
matches the SHA-256 in circuits/keys/manifest.json (a file that does not is refused, by name);
otherwise the keys are built from source into .murmur/zk/ (or $MURMUR_ZK_CACHE).

  --from-source     ignore the shipped keys: compile the circom circuits and run the
                    reproducible development setup (powers of tau, beacon-only phase 2), about
                    5 minutes on 2 cores (a finished build in the cache is reused: delete it to
                    rebuild), then compare every artifact's SHA-256 with the shipped manifest;
                    exit 1 if any differs
  --write-shipped   with --from-source: copy the build into circuits/keys/ and pin it (after a
                    circuit change)

These keys come from public beacons only, so anyone can forge proofs against them: for
development and tests. Production keys come from \`murmur zk ceremony\` (circuits/CEREMONY.md).`,
  options: { 'from-source': { type: 'boolean' }, 'write-shipped': { type: 'boolean' } },
  async run(argv) {
    const { values, help: h } = parseCommandArgs(
      this,
      argv,
      z
        .object({ 'from-source': z.boolean().default(false), 'write-shipped': z.boolean().default(false) })
        .refine((v) => !v['write-shipped'] || v['from-source'], {
          message: 'needs --from-source (the shipped keys are written only from a build)',
          path: ['write-shipped'],
        }),
    );
    if (h) return help(this);
    const zk = await import('../../../core/zk/index.js');
    try {
      const a = await zk.ensureCircuitArtifacts({ shipped: !values['from-source'] });
      for (const c of Object.values(a.circuits))
        process.stdout.write(`${c.name}: ${c.constraints} constraints, ${c.nPublic} public signals, vkey ${c.vkeyPath}\n`);
      if (!values['from-source']) return 0;
      if (values['write-shipped']) {
        await zk.writeShippedKeys(a);
        process.stdout.write(`wrote and pinned ${zk.shippedKeysDir()}\n`);
      }
      const { shippedHash, checks } = await zk.compareWithShipped(a);
      process.stdout.write(`sources ${a.hash}; shipped keys ${shippedHash ?? '(none)'}\n`);
      for (const c of checks) {
        process.stdout.write(`${c.ok ? 'same' : 'DIFFERENT'}  ${c.file}  built ${c.actual?.sha256 ?? '-'}  shipped ${c.expected.sha256 || '-'}\n`);
      }
      const ok = shippedHash === a.hash && checks.every((c) => c.ok);
      process.stdout.write(
        ok ? 'the build from source reproduces every shipped artifact\n' : 'the build from source does NOT reproduce the shipped artifacts\n',
      );
      return ok ? 0 : 1;
    } finally {
      await zk.shutdownZk();
    }
  },
};

export const zkSelftest: Command = {
  name: 'zk selftest',
  summary: 'write and verify a proof, its public signals and the verification key per circuit',
  usage: `Usage: murmur zk selftest --out DIR

For each circuit, proves a synthetic statement and writes DIR/<circuit>.proof.json,
DIR/<circuit>.public.json and DIR/<circuit>.vkey.json (snarkjs's standard JSON, so
\`snarkjs groth16 verify\` accepts them as they are), then verifies them.`,
  options: { out: { type: 'string' } },
  async run(argv) {
    const { values, help: h } = parseCommandArgs(this, argv, z.object({ out: z.string({ error: 'is required: the output folder' }).min(1) }));
    if (h) return help(this);
    const zk = await import('../../../core/zk/index.js');
    try {
      const r = await zk.zkSelftest({ out: values.out });
      for (const c of r.circuits) {
        process.stdout.write(`${c.circuit}: ${c.ok ? 'verified' : 'FAILED'} (${c.constraints} constraints; prove ${c.proveMs} ms, verify ${c.verifyMs} ms)\n`);
      }
      process.stdout.write(`written to ${r.outDir}\n`);
      return r.ok ? 0 : 1;
    } finally {
      await zk.shutdownZk();
    }
  },
};

const Orgs = z
  .string()
  .regex(/^[a-z][a-z0-9-]*(,[a-z][a-z0-9-]*)*$/, 'is a comma-separated list of organization ids')
  .default('northwind,evidentia,helix,vigilant');

export const zkCeremony: Command = {
  name: 'zk ceremony',
  summary: 'run a phase-2 ceremony: each organization contributes, then verify the transcript',
  usage: `Usage: murmur zk ceremony --out DIR [--orgs a,b,c] [--beacon HEX]

Runs the Groth16 phase-2 ceremony for every circuit: starting from the circuit's initial key,
each organization adds its own secret contribution in turn (so no single organization knows
the setup's secret), a public beacon closes it, and the whole transcript is verified against
the circuit and the powers of tau, naming each contributor. Writes DIR/<circuit>.zkey,
DIR/<circuit>.vkey.json and DIR/transcript.json. Here every organization contributes on this
machine for demonstration; see circuits/CEREMONY.md for a production ceremony.

  --out DIR       where the final keys and the transcript go
  --orgs LIST     contributors, in order (default northwind,evidentia,helix,vigilant)
  --beacon HEX    public beacon (default: a fixed demonstration value)`,
  options: { out: { type: 'string' }, orgs: { type: 'string' }, beacon: { type: 'string' } },
  async run(argv) {
    const schema = z.object({
      out: z.string({ error: 'is required: the output folder' }).min(1),
      orgs: Orgs,
      beacon: z
        .string()
        .regex(/^([0-9a-f]{2}){16,64}$/, 'is 32–128 hex digits')
        .default('4d75726d7572206465766e6574206265616330'.padEnd(64, '0')),
    });
    const { values, help: h } = parseCommandArgs(this, argv, schema);
    if (h) return help(this);
    const zk = await import('../../../core/zk/index.js');
    const out = resolve(values.out);
    mkdirSync(out, { recursive: true });
    const orgs = values.orgs.split(',');
    const transcript: Record<string, unknown> = {};
    let ok = true;
    try {
      const a = await zk.ensureCircuitArtifacts();
      for (const c of Object.values(a.circuits)) {
        let zkey: string | Uint8Array = c.initZkey;
        const hashes: { contributor: string; hash: string }[] = [];
        for (const org of orgs) {
          const t0 = Date.now();
          const r = await zk.contribute(zkey, org);
          zkey = r.zkey;
          hashes.push({ contributor: org, hash: r.contributionHash });
          process.stderr.write(`[${c.name}] ${org} contributed (${Date.now() - t0} ms)\n`);
        }
        zkey = (await zk.applyBeacon(zkey, 'public beacon', values.beacon)).zkey;
        process.stderr.write(`[${c.name}] beacon applied; verifying the transcript…\n`);
        const v = await zk.verifyTranscript({ r1cs: c.r1cs, ptau: a.ptau, zkey, expectedContributors: [...orgs, 'public beacon'] });
        ok &&= v.ok;
        writeFileSync(join(out, `${c.name}.zkey`), zkey);
        writeFileSync(join(out, `${c.name}.vkey.json`), `${JSON.stringify(await zk.exportVerificationKey(zkey), null, 2)}\n`);
        transcript[c.name] = { ok: v.ok, ...(v.reason ? { reason: v.reason } : {}), contributions: v.contributions, hashes };
        process.stdout.write(`${c.name}: transcript ${v.ok ? 'verified' : `FAILED (${v.reason})`}: ${v.contributions.map((x) => x.name).join(' → ')}\n`);
      }
      writeFileSync(join(out, 'transcript.json'), `${JSON.stringify(transcript, null, 2)}\n`);
      return ok ? 0 : 1;
    } finally {
      await zk.shutdownZk();
    }
  },
};
