/** The bytes a node signs to open a board-service session (challenge-response, no replay). */
export function boardAuthMessage(challenge: string, keyId: string): Uint8Array {
  return new TextEncoder().encode(`murmur-board-session/v1\n${challenge}\n${keyId}`);
}
