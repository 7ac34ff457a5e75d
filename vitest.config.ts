import { defineConfig } from 'vitest/config';

// Tests run on sources: the `mekong-source` export condition points every workspace package at src/.
export default defineConfig({
  resolve: { conditions: ['mekong-source'] },
  ssr: { resolve: { conditions: ['mekong-source'] } },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'plugins/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'examples/*/plugins/*/test/**/*.test.ts',
      'docs/**/*.test.ts',
    ],
    // Generous: PGlite and child processes slow down when test files share two cores; speed is measured in bench/.
    testTimeout: 60_000,
    // Opening PGlite takes seconds, more when test files run in parallel on two cores.
    hookTimeout: 60_000,
  },
});
