import nusinersen from './policies/cases/northwind-nusinersen.cases.json' with { type: 'json' };
import risdiplam from './policies/cases/northwind-risdiplam.cases.json' with { type: 'json' };
import elevidys from './policies/cases/northwind-elevidys.cases.json' with { type: 'json' };
import hemgenix from './policies/cases/northwind-hemgenix.cases.json' with { type: 'json' };
import { parsePolicyCases, type PolicyCases } from './policy-cases.js';
import { northwindElevidysPolicy, northwindHemgenixPolicy, northwindNusinersenPolicy, northwindRisdiplamPolicy } from './policy.js';

/** The portfolio policies' synthetic cases, by policy id, validated against their policies at load. */
export const SHIPPED_CASES: Readonly<Record<string, PolicyCases>> = {
  [northwindNusinersenPolicy.id]: parsePolicyCases(nusinersen, northwindNusinersenPolicy),
  [northwindRisdiplamPolicy.id]: parsePolicyCases(risdiplam, northwindRisdiplamPolicy),
  [northwindElevidysPolicy.id]: parsePolicyCases(elevidys, northwindElevidysPolicy),
  [northwindHemgenixPolicy.id]: parsePolicyCases(hemgenix, northwindHemgenixPolicy),
};
