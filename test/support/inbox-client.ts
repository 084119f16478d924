import { DataSource } from 'typeorm';
import { NotificationCounts, NotificationView } from '../../src/common/server-frame';
import { TestApp } from './create-test-app';
import { adminToken, serviceToken, userToken } from './tokens';

/** A page of `GET /notifications`. */
export interface FeedBody {
  items: NotificationView[];
  nextCursor: string | null;
}

/**
 * The inbox REST rows as one user or sender calls them, for e2e tests:
 * each method asserts the status the contract gives a valid request.
 */
export class InboxClient {
  constructor(private readonly app: () => TestApp) {}

  /** Notifies the recipients with the inbox fields in `body`; returns the ids. */
  async notify(recipients: string[], body: Record<string, unknown> = {}): Promise<string[]> {
    const response = await this.app()
      .http()
      .post('/notifications')
      .set('authorization', `Bearer ${serviceToken()}`)
      .send({ recipients, type: 'inbox.test', ...body })
      .expect(201);
    return response.body.ids as string[];
  }

  async broadcast(body: Record<string, unknown> = {}): Promise<string> {
    const response = await this.app()
      .http()
      .post('/notifications/broadcast')
      .set('authorization', `Bearer ${adminToken()}`)
      .send({ type: 'inbox.broadcast', ...body })
      .expect(201);
    return response.body.id as string;
  }

  async feed(user: string, query: Record<string, string> = {}): Promise<FeedBody> {
    return (
      await this.app()
        .http()
        .get('/notifications')
        .query(query)
        .set('authorization', `Bearer ${userToken(user)}`)
        .expect(200)
    ).body as FeedBody;
  }

  /** The ids of the whole (first page of up to 100) feed with the query. */
  async feedIds(user: string, query: Record<string, string> = {}): Promise<string[]> {
    return (await this.feed(user, { limit: '100', ...query })).items.map((item) => item.id);
  }

  async counts(user: string): Promise<NotificationCounts> {
    return (
      await this.app()
        .http()
        .get('/notifications/counts')
        .set('authorization', `Bearer ${userToken(user)}`)
        .expect(200)
    ).body as NotificationCounts;
  }

  /** `POST /notifications/<path>` (or `DELETE` with `method`) as the user; returns the response for its status. */
  act(user: string, path: string, body?: object, method: 'post' | 'delete' | 'put' = 'post') {
    const request = this.app()
      .http()
      [method](path)
      .set('authorization', `Bearer ${userToken(user)}`);
    return body === undefined ? request : request.send(body);
  }

  async preferences(user: string): Promise<unknown> {
    return (
      await this.app()
        .http()
        .get('/preferences')
        .set('authorization', `Bearer ${userToken(user)}`)
        .expect(200)
    ).body as unknown;
  }

  async mute(user: string, category: string, muted = true): Promise<void> {
    await this.act(user, `/preferences/categories/${category}`, { muted }, 'put').expect(204);
  }

  /** The app's own database, for checking rows directly. */
  database(): DataSource {
    return this.app().app.get(DataSource);
  }
}
