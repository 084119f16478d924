import { unique } from '../support/test-env';
import { serviceToken, userToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';

describe('user ids compare exactly (case and trailing spaces matter)', () => {
  const herald = useHerald();

  const feedIds = async (sub: string): Promise<string[]> =>
    (
      await herald.app
        .http()
        .get('/notifications?limit=100')
        .set('authorization', `Bearer ${userToken(sub)}`)
        .expect(200)
    ).body.items.map((item: { id: string }) => item.id);

  it('never shows a user the notifications of an id that differs only in case or trailing spaces', async () => {
    const alice = unique('alice');
    const lookalikes = [alice.toUpperCase(), `${alice} `];
    const { ids } = (
      await herald.app
        .http()
        .post('/notifications')
        .set('authorization', `Bearer ${serviceToken()}`)
        .send({ recipients: lookalikes, type: 'secret' })
        .expect(201)
    ).body as { ids: string[] };

    expect((await feedIds(alice)).filter((id) => ids.includes(id))).toEqual([]);
    await herald.app
      .http()
      .post('/notifications/read-all')
      .set('authorization', `Bearer ${userToken(alice)}`)
      .expect(204);
    await herald.app
      .http()
      .post(`/notifications/${ids[0]}/read`)
      .set('authorization', `Bearer ${userToken(alice)}`)
      .expect(404);

    for (const [i, lookalike] of lookalikes.entries()) {
      expect((await feedIds(lookalike)).filter((id) => ids.includes(id))).toEqual([ids[i]]);
      const unread = await herald.app
        .http()
        .get('/notifications?unread=true&limit=100')
        .set('authorization', `Bearer ${userToken(lookalike)}`)
        .expect(200);
      expect(unread.body.items.map((item: { id: string }) => item.id)).toContain(ids[i]);
    }
  });

  it('treats Idempotency-Keys that differ only in case as different keys', async () => {
    const bob = unique('bob');
    const key = unique('key').toLowerCase();
    const post = (idempotencyKey: string) =>
      herald.app
        .http()
        .post('/notifications')
        .set('authorization', `Bearer ${serviceToken()}`)
        .set('idempotency-key', idempotencyKey)
        .send({ recipients: [bob], type: 't' })
        .expect(201);
    const first = (await post(key)).body.ids;
    const second = await post(key.toUpperCase());
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(second.body.ids).not.toEqual(first);
  });
});
