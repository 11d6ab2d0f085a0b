import { MurmurError } from '../../core/common/errors.js';

/**
 * A token URL we may send a client assertion to: https, or http only on this machine. The
 * assertion is a credential for minutes; plain http over a network would hand it out.
 */
export function checkTokenUrl(value: string, path: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new MurmurError('E_INPUT', `${path} is not a URL.`, { path });
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new MurmurError('E_INPUT', `${path} must be https (plain http only on localhost).`, { path });
  }
  return url;
}
