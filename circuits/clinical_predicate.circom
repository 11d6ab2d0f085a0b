pragma circom 2.1.0;

// Murmur clinical predicate (v2): the lab commits to a case's clinical attributes with Poseidon
// and signs the commitment (EdDSA over BabyJubJub) in the open. The proof shows that the
// committed values meet the policy's thresholds (public inputs) without revealing them.
//
//   commitment = Poseidon(CLINICAL_TAG, caseTag, ageMonths, smn1Copies, smn2Copies,
//                         titerDenominator, salt)
//   ageMonths <= maxAgeMonths, smn1Copies <= maxSmn1Copies,
//   minSmn2Copies <= smn2Copies <= maxSmn2Copies, titerDenominator <= maxTiterDenominator
//
// The lab's signature is NOT checked here: it is over the public output `commitment`, and the
// lab posts it beside the commitment, so the verifier checks it outside the circuit with the
// lab's registered key (core/zk/clinical.ts verifyClinicalPredicate). In v1 it was checked
// inside, which bound nothing more and was ~85% of the constraints (circuits/README.md).
//
// Public signals (snarkjs order: outputs, then public inputs in declaration order):
//   [0] commitment  [1] caseTag
//   [2] maxAgeMonths  [3] maxSmn1Copies  [4] minSmn2Copies  [5] maxSmn2Copies
//   [6] maxTiterDenominator

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/bitify.circom";

function CLINICAL_TAG() { return 0x6d75726d75723a636c696e6963616c3a7632; }  // "murmur:clinical:v2"

// a <= b for two values range-checked to n bits.
template AtMost(n) {
    signal input a;
    signal input b;
    component le = LessEqThan(n);
    le.in[0] <== a;
    le.in[1] <== b;
    le.out === 1;
}

template ClinicalPredicate() {
    var BITS = 32;

    // ---- public inputs ----
    signal input caseTag;              // field image of the case id
    signal input maxAgeMonths;
    signal input maxSmn1Copies;
    signal input minSmn2Copies;
    signal input maxSmn2Copies;
    signal input maxTiterDenominator;  // 1:50 -> 50

    // ---- private inputs ----
    signal input ageMonths;
    signal input smn1Copies;
    signal input smn2Copies;
    signal input titerDenominator;     // 0 = no antibodies detected
    signal input salt;

    signal output commitment;

    component h = Poseidon(7);
    h.inputs[0] <== CLINICAL_TAG();
    h.inputs[1] <== caseTag;
    h.inputs[2] <== ageMonths;
    h.inputs[3] <== smn1Copies;
    h.inputs[4] <== smn2Copies;
    h.inputs[5] <== titerDenominator;
    h.inputs[6] <== salt;
    commitment <== h.out;

    // Range checks: LessEqThan does not check its inputs.
    var values[9] = [ageMonths, smn1Copies, smn2Copies, titerDenominator,
                     maxAgeMonths, maxSmn1Copies, minSmn2Copies, maxSmn2Copies, maxTiterDenominator];
    component bits[9];
    for (var i = 0; i < 9; i++) {
        bits[i] = Num2Bits(BITS);
        bits[i].in <== values[i];
    }

    component age = AtMost(BITS);
    age.a <== ageMonths;
    age.b <== maxAgeMonths;
    component smn1 = AtMost(BITS);
    smn1.a <== smn1Copies;
    smn1.b <== maxSmn1Copies;
    component smn2lo = AtMost(BITS);
    smn2lo.a <== minSmn2Copies;
    smn2lo.b <== smn2Copies;
    component smn2hi = AtMost(BITS);
    smn2hi.a <== smn2Copies;
    smn2hi.b <== maxSmn2Copies;
    component titer = AtMost(BITS);
    titer.a <== titerDenominator;
    titer.b <== maxTiterDenominator;
}

component main {public [caseTag, maxAgeMonths, maxSmn1Copies, minSmn2Copies, maxSmn2Copies, maxTiterDenominator]} = ClinicalPredicate();
