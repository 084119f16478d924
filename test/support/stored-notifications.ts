import { createConnection } from 'mysql2/promise';
import { Id } from './delivery-audit';

/**
 * The notification ids stored for each of `users` (their targeted rows, not
 * broadcasts), in id order, read straight from the MySQL/MariaDB database at
 * `databaseUrl`: the truth a fault test checks sockets against when a
 * killed instance may have committed rows it never acknowledged.
 */
export async function storedIds(databaseUrl: string, users: readonly string[]): Promise<Map<string, Id[]>> {
  const connection = await createConnection({ uri: databaseUrl, supportBigNumbers: true, bigNumberStrings: true });
  try {
    const [rows] = (await connection.query('SELECT id, recipient FROM notifications WHERE recipient IN (?) ORDER BY id', [users])) as unknown as [
      Array<{ id: string | number; recipient: string }>,
    ];
    const byUser = new Map<string, Id[]>(users.map((user) => [user, []]));
    for (const row of rows) byUser.get(row.recipient)?.push(String(row.id));
    return byUser;
  } finally {
    await connection.end();
  }
}
