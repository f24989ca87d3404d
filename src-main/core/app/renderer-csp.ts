/**
 * The Content-Security-Policy of the renderer page, shared by the web shell (header) and the
 * Electron window (session header), so both run the renderer under the same rules.
 * No inline scripts, no eval, no remote hosts; images only from this app.
 */
export function rendererCsp(connectSources: string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'", // Svelte transitions set inline style attributes
    "img-src 'self' blob: data:",
    `connect-src 'self' ${connectSources.join(' ')}`.trim(),
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}
