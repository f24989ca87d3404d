import { defineConfig } from 'vitest/config'

// End-to-end flows through the web shell in Debian's Chromium. One file at a time: each drives a
// browser and a backend, and the machine has two cores.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts', 'test/electron/**/*.test.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
  },
})
