import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The stored outcome of a `POST /notifications` made with an
 * `Idempotency-Key`, replayed for 24 hours to the same caller.
 */
@Entity({ name: 'idempotency_keys' })
export class IdempotencyRecord {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  caller!: string;

  @PrimaryColumn({ name: 'idempotency_key', type: 'varchar', length: 255 })
  key!: string;

  /** SHA-256 (hex) of the canonical request body; a different body under the same key is refused. */
  @Column({ name: 'request_hash', type: 'varchar', length: 64 })
  requestHash!: string;

  /** The response body as JSON text. */
  @Column({ type: 'text', nullable: true })
  response!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;
}
