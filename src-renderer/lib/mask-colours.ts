/** Stable per-mask colours: derived from the mask id, so a mask keeps its colour across reloads. */
export function maskColour(id: number): [number, number, number] {
  // Golden-angle hue steps keep neighbouring ids far apart on the colour wheel.
  const hue = (id * 137.508) % 360
  return hslToRgb(hue, 0.7, 0.55)
}

function hslToRgb(hue: number, saturation: number, lightness: number): [number, number, number] {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation
  const x = chroma * (1 - Math.abs(((hue / 60) % 2) - 1))
  const m = lightness - chroma / 2
  const [r, g, b] =
    hue < 60
      ? [chroma, x, 0]
      : hue < 120
        ? [x, chroma, 0]
        : hue < 180
          ? [0, chroma, x]
          : hue < 240
            ? [0, x, chroma]
            : hue < 300
              ? [x, 0, chroma]
              : [chroma, 0, x]
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)]
}
