export { syntheticRequest, DEFAULT_AS_OF, type SyntheticRequestOptions } from './request.js';
export { syntheticVariants, expectedOutcome, isCaseVariant, caseFacts, type CaseVariant, type CaseFacts, type ExpectedOutcome } from './variants.js';
export { bundleResources } from './bundle.js';
export { syntheticUpdate } from './update.js';
export { PA_TRACE_SYSTEM } from './request.js';
export { pasShapedRequest, pasScenarios, pasExpected, pasScenarioServices, isPasScenario, EHR_BASE, type PasScenario, type PasExpected } from './pas-shape.js';
export { policyCaseRequest } from './policy-case-request.js';
