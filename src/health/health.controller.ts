import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/auth.decorators';
import { BroadcasterHealthIndicator } from './broadcaster.health';
import { HealthReportDto } from './health-report.dto';

const DATABASE_TIMEOUT_MS = 2_000;

/** Liveness and readiness probes (terminus's `{status, info, error, details}` body). */
@ApiTags('health')
@Controller('health')
@Public()
@SkipThrottle()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly broadcaster: BroadcasterHealthIndicator,
  ) {}

  /** 200 while the process is up; checks nothing else. */
  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: 200 while the process is up' })
  @ApiOkResponse({ type: HealthReportDto })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** 200 when the database and the broadcaster (Redis) answer within 2 s each, else 503. */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: 200 when the database and the broadcaster answer' })
  @ApiOkResponse({ type: HealthReportDto })
  @ApiServiceUnavailableResponse({ type: HealthReportDto, description: 'a dependency does not answer; `error` names it' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.database.pingCheck('database', { timeout: DATABASE_TIMEOUT_MS }), () => this.broadcaster.check('broadcaster')]);
  }
}
