/**
 * Chart.js 4, registered once with only what the dashboard draws (bars, lines, points; linear and
 * category axes; legend and tooltips), in the app's dark theme. Chart.js renders to a canvas and
 * needs neither eval nor inline scripts, so it runs under the renderer's CSP.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  ScatterController,
  Tooltip,
} from 'chart.js'

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Filler,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  ScatterController,
  Tooltip,
)
Chart.defaults.color = '#9aa3b2'
Chart.defaults.borderColor = '#2a2f39'
Chart.defaults.font.family = "'Inter', 'Segoe UI', system-ui, sans-serif"
Chart.defaults.font.size = 11
// Screenshots and tests read the final picture at once; people do not need the entry animation.
Chart.defaults.animation = false

/**
 * Series colours: blue and orange are told apart with the common colour-vision deficiencies, and
 * the second series also has a lighter fill and a full outline, so nothing relies on hue alone.
 */
export const SERIES = {
  accepted: { fill: 'rgba(91, 156, 255, 0.55)', line: '#5b9cff' },
  rejected: { fill: 'rgba(255, 159, 64, 0.35)', line: '#ff9f40' },
  neutral: { fill: 'rgba(154, 163, 178, 0.25)', line: '#9aa3b2' },
} as const

export { Chart }
