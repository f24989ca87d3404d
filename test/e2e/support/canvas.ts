/** Where things are on the workspace canvas, from the camera the viewer publishes on its host element. */
import type { Page } from 'playwright-core'

/** The page position of an image pixel (annotation-copy coordinates). */
export async function screenOf(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  const host = page.getByTestId('image-canvas')
  const [scale, offsetX, offsetY] = ((await host.getAttribute('data-camera')) ?? '').split(' ').map(Number) as [number, number, number]
  const box = (await host.boundingBox())!
  return { x: box.x + offsetX + x * scale, y: box.y + offsetY + y * scale }
}

/** How many times the mask overlay has been painted (the viewer bumps it after every upload). */
export async function paintCount(page: Page): Promise<number> {
  return Number((await page.getByTestId('image-canvas').getAttribute('data-paint-count')) ?? 0)
}
