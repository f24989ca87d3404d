/**
 * Which pixi renderer draws the image canvas. WebGL, unless WebGL itself is rendered in software
 * (SwiftShader, llvmpipe: no GPU, a VM, a remote desktop, Chromium with --disable-gpu). There a
 * WebGL frame of a full-window canvas costs 40–130 ms of CPU in the GPU process, and the page's
 * compositor reads every changed WebGL frame back (glReadPixels) before it can show it, blocking
 * the main thread for that long; pixi's canvas renderer draws the same scene with Skia in
 * ~5–10 ms. `localStorage['tessera.renderer']` = 'webgl' | 'canvas' overrides the choice.
 */
export type RenderBackend = 'webgl' | 'canvas'

const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software|microsoft basic render/i

/** The renderer string of this browser's WebGL ('' when it has none or hides it). */
function webglRenderer(): string | null {
  const canvas = document.createElement('canvas')
  const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl')
  if (!gl) return null
  try {
    const info = gl.getExtension('WEBGL_debug_renderer_info')
    return info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : String(gl.getParameter(gl.RENDERER))
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext()
  }
}

let chosen: RenderBackend | null = null

export function renderBackend(): RenderBackend {
  if (chosen) return chosen
  let override: string | null = null
  try {
    override = window.localStorage.getItem('tessera.renderer')
  } catch {
    // Storage may be unavailable (opaque origins): no override then.
  }
  if (override === 'webgl' || override === 'canvas') return (chosen = override)
  const renderer = webglRenderer()
  chosen = renderer === null || SOFTWARE_GL.test(renderer) ? 'canvas' : 'webgl'
  return chosen
}
