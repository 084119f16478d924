import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { Registry } from 'prom-client';
import { Public } from '../auth/auth.decorators';
import { MetricsTokenGuard } from './metrics-token.guard';
import { PrometheusHeraldMetrics } from './prometheus-herald-metrics';

/**
 * `GET /metrics`: the Prometheus text exposition of this instance. Needs no
 * user token (a scraper has none) and is not rate limited; `METRICS_TOKEN`
 * guards it instead.
 */
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
  scrape(): Promise<string> {
    return this.metrics.render();
  }
}
