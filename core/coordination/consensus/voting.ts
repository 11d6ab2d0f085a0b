/**
 * Voting for low-stakes choices (e.g. closing the proposal round): reputation-weighted
 * plurality; decided once the leading choice holds more than `quorum` of all members' weight.
 */
export interface Ballot {
  voter: string;
  choice: string;
  weight: number;
}

export interface Tally {
  weights: Record<string, number>;
  leader?: string;
  decided: boolean;
}

export function tally(ballots: readonly Ballot[], totalWeight: number, quorum = 0.5): Tally {
  const weights: Record<string, number> = {};
  const seen = new Set<string>();
  for (const b of ballots) {
    if (seen.has(b.voter)) continue;
    seen.add(b.voter);
    weights[b.choice] = (weights[b.choice] ?? 0) + b.weight;
  }
  const leader = Object.entries(weights).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
  return { weights, ...(leader ? { leader: leader[0] } : {}), decided: leader !== undefined && totalWeight > 0 && leader[1] > quorum * totalWeight };
}
