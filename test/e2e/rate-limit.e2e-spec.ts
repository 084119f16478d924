import { unique } from '../support/test-env';
import { userToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';

describe('REST rate limit', () => {
  const herald = useHerald({ RATE_LIMIT_PER_MINUTE: '3' });

  it('answers 429 with Retry-After once a caller passes the limit, without affecting other callers', async () => {
    const alice = userToken(unique('alice'));
    for (let i = 0; i < 3; i++) {
      await herald.app.http().get('/notifications/unread-count').set('authorization', `Bearer ${alice}`).expect(200);
    }
    const limited = await herald.app.http().get('/notifications/unread-count').set('authorization', `Bearer ${alice}`).expect(429);
    expect(limited.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    await herald.app
      .http()
      .get('/notifications/unread-count')
      .set('authorization', `Bearer ${userToken(unique('bob'))}`)
      .expect(200);
  });

  it('never rate-limits the health probes', async () => {
    for (let i = 0; i < 5; i++) await herald.app.http().get('/health').expect(200);
  });
});
