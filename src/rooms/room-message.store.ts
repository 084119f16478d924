import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { SQL_DIALECT, SqlDialect } from '../database/sql-dialect';
import { RoomMessage } from './room-message.entity';

/** The `room_messages` table: inserts and newest-first pages per room. */
@Injectable()
export class RoomMessageStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SQL_DIALECT) private readonly dialect: SqlDialect,
  ) {}

  /** Inserts one message and returns it with its id. */
  async insert(manager: EntityManager, message: Omit<RoomMessage, 'id'>): Promise<RoomMessage> {
    const result = await manager.createQueryBuilder().insert().into(RoomMessage).values(message).updateEntity(false).execute();
    const id = this.dialect.firstInsertId(result.raw, 1).toString();
    return Object.assign(new RoomMessage(), { ...message, id });
  }

  /** Up to `limit` messages of a room with ids below `before`, newest first (a range scan on (room, id)). */
  page(room: string, limit: number, before: string | null): Promise<RoomMessage[]> {
    const query = this.dataSource.getRepository(RoomMessage).createQueryBuilder('m').where('m.room = :room', { room }).orderBy('m.id', 'DESC').limit(limit);
    if (before !== null) query.andWhere('m.id < :before', { before });
    return query.getMany();
  }
}
