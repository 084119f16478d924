import { Column, Entity, Generated, Index, PrimaryColumn } from 'typeorm';
import { bigintIdTransformer } from '../database/bigint-id.transformer';

/** One message posted to a room, over WebSocket (`room.send`) or REST. */
@Entity({ name: 'room_messages' })
@Index('idx_room_messages_room_id', ['room', 'id'])
export class RoomMessage {
  /** BIGINT auto-increment as a decimal string; grows with time; the history cursor. */
  @PrimaryColumn({ type: 'bigint', transformer: bigintIdTransformer })
  @Generated('increment')
  id!: string;

  /** Room name, `^[A-Za-z0-9_.-]{1,64}$`, compared exactly. */
  @Column({ type: 'varchar', length: 64 })
  room!: string;

  /** The poster's user id (`sub`). */
  @Column({ type: 'varchar', length: 128 })
  sender!: string;

  /** 1-4,000 characters. */
  @Column({ type: 'text' })
  text!: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
