import { Global, Module } from '@nestjs/common';
import { HERALD_METRICS } from './herald-metrics';
import { MetricsController } from './metrics.controller';
import { MetricsTokenGuard } from './metrics-token.guard';
import { PrometheusHeraldMetrics } from './prometheus-herald-metrics';

/**
 * Metrics for operators: provides `HeraldMetrics` (injected by the features
 * that record) and serves `GET /metrics`. Global, like the broadcaster,
 * since recording is everyone's business and owns no feature's state.
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [PrometheusHeraldMetrics, { provide: HERALD_METRICS, useExisting: PrometheusHeraldMetrics }, MetricsTokenGuard],
  exports: [HERALD_METRICS, PrometheusHeraldMetrics],
})
export class MetricsModule {}
