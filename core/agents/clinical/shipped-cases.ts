import zolgensma from './policies/cases/northwind-zolgensma.cases.json' with { type: 'json' };
import nusinersen from './policies/cases/northwind-nusinersen.cases.json' with { type: 'json' };
import risdiplam from './policies/cases/northwind-risdiplam.cases.json' with { type: 'json' };
import elevidys from './policies/cases/northwind-elevidys.cases.json' with { type: 'json' };
import hemgenix from './policies/cases/northwind-hemgenix.cases.json' with { type: 'json' };
import { parsePolicyCases, type PolicyCases } from './policy-cases.js';
import { northwindElevidysPolicy, northwindHemgenixPolicy, northwindNusinersenPolicy, northwindRisdiplamPolicy, northwindZolgensmaPolicy } from './policy.js';

/**
 * Every coverage policy's synthetic cases, by policy id, validated against their policies at
 * load (Zolgensma's are the synthetic variants of fhir/synthetic as one record and changes).
 */
export const SHIPPED_CASES: Readonly<Record<string, PolicyCases>> = {
  [northwindZolgensmaPolicy.id]: parsePolicyCases(zolgensma, northwindZolgensmaPolicy),
  [northwindNusinersenPolicy.id]: parsePolicyCases(nusinersen, northwindNusinersenPolicy),
  [northwindRisdiplamPolicy.id]: parsePolicyCases(risdiplam, northwindRisdiplamPolicy),
  [northwindElevidysPolicy.id]: parsePolicyCases(elevidys, northwindElevidysPolicy),
  [northwindHemgenixPolicy.id]: parsePolicyCases(hemgenix, northwindHemgenixPolicy),
};
