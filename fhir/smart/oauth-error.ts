import { HttpError } from '../../core/common/http-problem.js';

/** The OAuth 2.0 token endpoint errors (RFC 6749 §5.2) this server answers with. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'invalid_scope' | 'unsupported_grant_type';

export interface OAuthErrorBody {
  error: OAuthErrorCode;
  error_description: string;
}

/**
 * A refusal at the token endpoint: an HttpError, so the HTTP layer answers its status, and
 * writes it as RFC 6749 §5.2 on a route whose format is `oauth`. The description says which check failed, never the
 * assertion or any of its values beyond the client id the caller sent.
 */
export class OAuthError extends HttpError {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
  ) {
    // 401 for a client that failed to authenticate (RFC 6749 §5.2), 400 for everything else.
    super(error === 'invalid_client' ? 401 : 400, error, description);
    this.name = 'OAuthError';
  }

  body(): OAuthErrorBody {
    return { error: this.error, error_description: this.description };
  }
}
