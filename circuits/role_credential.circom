pragma circom 2.1.0;

// Murmur role credential: the prover holds a credential signed by a trusted issuer
// (EdDSA over BabyJubJub, message = Poseidon of the attributes) whose role is one of the
// subtask's allowed roles and whose expiry is after the board's current time. The proof is
// bound to the subtask id and the requester's board key and outputs a nullifier.
// Nothing else of the credential is revealed.
//
// Public signals (snarkjs order: outputs, then public inputs in declaration order):
//   [0] nullifier = Poseidon(NULLIFIER_TAG, holderSecret, subtaskId)
//   [1] issuerAx  [2] issuerAy
//   [3..3+N) allowedRoles (role codes; 0 = unused slot, never a valid role)
//   [3+N] now  [4+N] subtaskId  [5+N] requesterKey

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/bitify.circom";

// Domain-separation tags: ASCII of the name, as a field element (mirrored in core/zk/fields.ts).
function ROLE_CRED_TAG() { return 0x6d75726d75723a726f6c652d637265643a7631; }   // "murmur:role-cred:v1"
function HOLDER_TAG() { return 0x6d75726d75723a686f6c6465723a7631; }           // "murmur:holder:v1"
function NULLIFIER_TAG() { return 0x6d75726d75723a6e756c6c69666965723a7631; }  // "murmur:nullifier:v1"

template RoleCredential(nRoles) {
    // ---- public inputs ----
    signal input issuerAx;
    signal input issuerAy;
    signal input allowedRoles[nRoles];
    signal input now;            // board time, ms since the Unix epoch
    signal input subtaskId;      // field image of the subtask id
    signal input requesterKey;   // field image of the requester's board key

    // ---- private inputs ----
    signal input role;
    signal input expiresAt;      // ms since the Unix epoch
    signal input holderSecret;
    signal input sigR8x;
    signal input sigR8y;
    signal input sigS;

    signal output nullifier;

    // Credential message: the issuer signs Poseidon(tag, role, expiresAt, holderId).
    component holder = Poseidon(2);
    holder.inputs[0] <== HOLDER_TAG();
    holder.inputs[1] <== holderSecret;

    component cred = Poseidon(4);
    cred.inputs[0] <== ROLE_CRED_TAG();
    cred.inputs[1] <== role;
    cred.inputs[2] <== expiresAt;
    cred.inputs[3] <== holder.out;

    component sig = EdDSAPoseidonVerifier();
    sig.enabled <== 1;
    sig.Ax <== issuerAx;
    sig.Ay <== issuerAy;
    sig.S <== sigS;
    sig.R8x <== sigR8x;
    sig.R8y <== sigR8y;
    sig.M <== cred.out;

    // The role is non-zero and one of the allowed roles: prod (role - allowed[i]) == 0.
    component roleZero = IsZero();
    roleZero.in <== role;
    roleZero.out === 0;
    signal acc[nRoles + 1];
    acc[0] <== 1;
    for (var i = 0; i < nRoles; i++) {
        acc[i + 1] <== acc[i] * (role - allowedRoles[i]);
    }
    acc[nRoles] === 0;

    // now < expiresAt, both range-checked to 64 bits (LessThan does not check its inputs).
    component nowBits = Num2Bits(64);
    nowBits.in <== now;
    component expBits = Num2Bits(64);
    expBits.in <== expiresAt;
    component unexpired = LessThan(64);
    unexpired.in[0] <== now;
    unexpired.in[1] <== expiresAt;
    unexpired.out === 1;

    // Bind the requester's key into the constraint system explicitly.
    signal requesterKeySquared;
    requesterKeySquared <== requesterKey * requesterKey;

    component nul = Poseidon(3);
    nul.inputs[0] <== NULLIFIER_TAG();
    nul.inputs[1] <== holderSecret;
    nul.inputs[2] <== subtaskId;
    nullifier <== nul.out;
}

component main {public [issuerAx, issuerAy, allowedRoles, now, subtaskId, requesterKey]} = RoleCredential(4);
