/** Chart.js configurations for the dashboard's plots, built from the contract's DTOs (pure). */
import type { ChartConfiguration } from 'chart.js'
import type { Calibration, ScoreHistogram } from '../../../src-preload/contract/audit'
import { SERIES } from './chart-setup'

function binLabels(edges: readonly number[]): string[] {
  return edges.slice(0, -1).map((low) => low.toFixed(2))
}

/** Accepted vs rejected proposals per score bin (counts), side by side. */
export function histogramConfig(histogram: ScoreHistogram, xTitle: string): ChartConfiguration<'bar'> {
  return {
    type: 'bar',
    data: {
      labels: binLabels(histogram.edges),
      datasets: [
        {
          label: 'accepted',
          data: histogram.accepted,
          backgroundColor: SERIES.accepted.fill,
          borderColor: SERIES.accepted.line,
          borderWidth: 1,
        },
        {
          label: 'rejected',
          data: histogram.rejected,
          backgroundColor: SERIES.rejected.fill,
          borderColor: SERIES.rejected.line,
          // A full outline and a lighter fill set the second series apart beyond its hue.
          borderWidth: 2,
          borderSkipped: false,
        },
      ],
    },
    options: {
      plugins: { legend: { position: 'top', align: 'end', labels: { boxWidth: 10 } } },
      scales: {
        x: { title: { display: true, text: xTitle }, grid: { display: false } },
        y: { title: { display: true, text: 'proposals' }, beginAtZero: true },
      },
    },
  }
}

/** Reliability plot: mean measured IoU against mean predicted IoU per bin, with the diagonal of perfect calibration. */
export function reliabilityConfig(calibration: Calibration): ChartConfiguration<'scatter'> {
  const points = calibration.bins
    .filter((bin) => bin.count > 0 && bin.meanPredicted !== null && bin.meanMeasured !== null)
    .map((bin) => ({ x: bin.meanPredicted as number, y: bin.meanMeasured as number }))
  return {
    type: 'scatter',
    data: {
      datasets: [
        {
          label: 'perfect calibration',
          data: [
            { x: 0, y: 0 },
            { x: 1, y: 1 },
          ],
          showLine: true,
          borderColor: SERIES.neutral.line,
          borderDash: [4, 4],
          borderWidth: 1,
          pointRadius: 0,
        },
        {
          label: 'measured (per bin of 0.1)',
          data: points,
          showLine: true,
          borderColor: SERIES.accepted.line,
          backgroundColor: SERIES.accepted.line,
          pointRadius: 4,
          pointStyle: 'rectRot',
        },
      ],
    },
    options: {
      plugins: { legend: { position: 'top', align: 'end', labels: { boxWidth: 10 } } },
      scales: {
        x: { type: 'linear', min: 0, max: 1, title: { display: true, text: 'predicted IoU' } },
        y: { type: 'linear', min: 0, max: 1, title: { display: true, text: 'measured IoU with the final mask' } },
      },
    },
  }
}

/** Matched-IoU distribution (gold comparison), 10 bins. */
export function iouBinsConfig(bins: readonly { low: number; high: number; count: number }[]): ChartConfiguration<'bar'> {
  return {
    type: 'bar',
    data: {
      labels: bins.map((bin) => `${bin.low.toFixed(1)}–${bin.high.toFixed(1)}`),
      datasets: [
        {
          label: 'matched pairs',
          data: bins.map((bin) => bin.count),
          backgroundColor: SERIES.accepted.fill,
          borderColor: SERIES.accepted.line,
          borderWidth: 1,
        },
      ],
    },
    options: {
      plugins: { legend: { display: false } },
      scales: {
        x: { title: { display: true, text: 'IoU with gold' }, grid: { display: false } },
        y: { beginAtZero: true, title: { display: true, text: 'masks' } },
      },
    },
  }
}
