import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';

/** Checked dependencies by name, each `{status: "up" | "down", ...}`. */
const INDICATORS: ApiPropertyOptions = {
  type: 'object',
  additionalProperties: { type: 'object', properties: { status: { type: 'string', enum: ['up', 'down'] } }, additionalProperties: true },
};

/** The body of `/health` and `/health/ready` (@nestjs/terminus's report). */
export class HealthReportDto {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'] })
  status!: string;

  /** Dependencies that answered, by name (`database`, `broadcaster`). */
  @ApiPropertyOptional(INDICATORS)
  info?: Record<string, unknown>;

  /** Dependencies that did not, by name. */
  @ApiPropertyOptional(INDICATORS)
  error?: Record<string, unknown>;

  /** Every checked dependency, by name. */
  @ApiProperty(INDICATORS)
  details!: Record<string, unknown>;
}
