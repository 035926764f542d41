import { createHttpClient, defaultHttpError } from '../../providers/kit/http.js';
import { ProviderError } from '../../providers/kit/errors.js';
import { withRetry } from '../../providers/kit/retry.js';

export interface PostOptions {
  /** Names the receiver in messages: "webhook", "slack", "ping". */
  service: string;
  userAgent: string;
  timeoutMs: number;
  allowInsecureHttp: boolean;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string;
  /** Retries after the first attempt, for network errors, 408, 429 and 5xx. */
  retries: number;
}

/**
 * POSTs to a notification or ping URL with the kit's HTTP client. The URL itself can hold a token:
 * messages say only the status ("HTTP 500") or the host and port that did not answer, never the URL.
 */
export async function postTo(url: string, o: PostOptions): Promise<void> {
  const client = createHttpClient({
    baseUrl: url,
    service: o.service,
    userAgent: o.userAgent,
    timeoutMs: o.timeoutMs,
    allowInsecureHttp: o.allowInsecureHttp,
    ...(o.headers ? { headers: o.headers } : {}),
    classify: (status, _body, headers) => {
      const { kind, retryAfterMs } = defaultHttpError('', status, headers);
      return new ProviderError(kind, `HTTP ${status}`, retryAfterMs === undefined ? {} : { retryAfterMs });
    },
  });
  const body = o.json !== undefined ? { json: o.json } : { body: o.body ?? '' };
  await withRetry(() => client.request('POST', '', body), { retries: o.retries, maxRetryAfterMs: o.timeoutMs });
}
