import { Id } from './delivery-audit';

/** The outcome of one `POST /notifications`; status 0 when no HTTP answer came (connection refused or reset). */
export interface PostOutcome {
  status: number;
  /** The ids of a 201 answer; empty otherwise. */
  ids: Id[];
  /** The `Retry-After` header, if any. */
  retryAfter: string | null;
  /** Wall time of the request, ms. */
  ms: number;
  /** Why no HTTP answer came, when none did. */
  error?: string;
}

/**
 * `POST /notifications` to any Herald by base URL (in-process or a child
 * process), with fetch. Never throws: during an outage a test counts and
 * times failures instead of stopping at the first one.
 */
export async function postNotifications(baseUrl: string, token: string, recipients: readonly string[], type: string): Promise<PostOutcome> {
  const started = performance.now();
  try {
    const response = await fetch(`${baseUrl}/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ recipients, type }),
      signal: AbortSignal.timeout(20_000),
    });
    const body = (await response.json().catch(() => null)) as { ids?: Id[] } | null;
    return {
      status: response.status,
      ids: response.status === 201 ? (body?.ids ?? []) : [],
      retryAfter: response.headers.get('retry-after'),
      ms: performance.now() - started,
    };
  } catch (error) {
    return { status: 0, ids: [], retryAfter: null, ms: performance.now() - started, error: String((error as Error).cause ?? error) };
  }
}

/** The HTTP status of `GET /health/ready` (200 ready, 503 not). */
export async function readinessStatus(baseUrl: string): Promise<number> {
  const response = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(10_000) });
  await response.arrayBuffer();
  return response.status;
}
