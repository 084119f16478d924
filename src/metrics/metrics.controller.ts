import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Registry } from 'prom-client';
import { Public } from '../auth/auth.decorators';
import { ApiErrorResponses } from '../common/error-response.dto';
import { MetricsTokenGuard } from './metrics-token.guard';
import { PrometheusHeraldMetrics } from './prometheus-herald-metrics';

/**
 * `GET /metrics`: the Prometheus text exposition of this instance. Needs no
 * user token (a scraper has none) and is not rate limited; `METRICS_TOKEN`
 * guards it instead.
 */
@ApiTags('operations')
@Controller('metrics')
@Public()
@SkipThrottle()
export class MetricsController {
  constructor(private readonly metrics: PrometheusHeraldMetrics) {}

  /** 200 text/plain (exposition format 0.0.4); 401 without the right bearer token when `METRICS_TOKEN` is set. */
  @Get()
  @UseGuards(MetricsTokenGuard)
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics of this instance',
    description: 'Needs `Authorization: Bearer <METRICS_TOKEN>` when `METRICS_TOKEN` is set (docs/operations.md).',
  })
  @ApiProduces(Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4', content: { [Registry.PROMETHEUS_CONTENT_TYPE]: { schema: { type: 'string' } } } })
  @ApiErrorResponses(401)
  scrape(): Promise<string> {
    return this.metrics.render();
  }
}
