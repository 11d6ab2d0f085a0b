import type { Random } from '../../common/random.js';

/**
 * Learned routing and bidding across cases: Thompson sampling over a Beta(α, β) posterior of
 * success per (agent, skill). An agent samples its own success rate before claiming or bidding;
 * agents that keep succeeding at a skill act sooner and bid better, so specialization emerges.
 */
export interface BetaArm {
  alpha: number;
  beta: number;
}

export class SkillPosterior {
  private readonly arms = new Map<string, BetaArm>();

  arm(skill: string): BetaArm {
    return this.arms.get(skill) ?? { alpha: 1, beta: 1 };
  }

  record(skill: string, success: boolean): void {
    const a = this.arm(skill);
    this.arms.set(skill, success ? { alpha: a.alpha + 1, beta: a.beta } : { alpha: a.alpha, beta: a.beta + 1 });
  }

  mean(skill: string): number {
    const a = this.arm(skill);
    return a.alpha / (a.alpha + a.beta);
  }

  sample(skill: string, random: Random): number {
    const a = this.arm(skill);
    return sampleBeta(a.alpha, a.beta, random);
  }
}

/** Marsaglia–Tsang gamma sampler (shape ≥ 1 via boosting), normals by Box–Muller. */
function sampleGamma(shape: number, random: Random): number {
  if (shape < 1) return sampleGamma(shape + 1, random) * random.next() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      const u1 = Math.max(random.next(), 1e-12);
      x = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random.next());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random.next();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(Math.max(u, 1e-300)) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function sampleBeta(alpha: number, beta: number, random: Random): number {
  const x = sampleGamma(alpha, random);
  const y = sampleGamma(beta, random);
  return x / (x + y);
}
