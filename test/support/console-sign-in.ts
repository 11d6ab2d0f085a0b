/**
 * Signs an operator in to a console as the UI does from their sign-in link: asks for a
 * challenge, sends it back with the link's unlock secret (the console's wallet signs it with
 * the operator's key) and returns the session token.
 */
export async function signInOperator(launchUrl: string): Promise<string> {
  const link = new URL(launchUrl);
  const token = link.searchParams.get('token')!;
  const operator = link.searchParams.get('operator')!;
  const unlock = link.searchParams.get('unlock')!;
  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(new URL(`api/${path}`, link.origin + '/'), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`sign-in ${path}: HTTP ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const { challenge } = await post('sign-in/challenge', { operator });
  return (await post('sign-in', { operator, challenge, unlock })).session as string;
}
